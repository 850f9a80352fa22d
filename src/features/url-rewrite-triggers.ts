import * as z from "zod";
import { list, regexSource } from "../apidef/schema";
import type { RequestContext } from "../chain/context";
import { contextVariable } from "./context-vars";
import { readPrefix } from "../lib/bounded-body";
import { safeRegExp } from "../lib/regex-safety";

/*
 * Tyk's URL rewrite triggers (gateway/mw_url_rewrite.go): each trigger tests
 * the request's headers, query values, path parts, session metadata, context
 * variables and body against regexes, and the first trigger that fires gives
 * the rewrite its `rewrite_to`. What the regexes captured is kept under Tyk's
 * keys, `trigger-<n>-<name>[-<i>]` for the whole match and `…-<g>` for each
 * group, for `$tyk_context.trigger-…` in the target.
 */

const matcher = z.looseObject({ match_rx: regexSource.default(""), reverse: z.boolean().default(false) });
const matchers = z
  .record(z.string(), matcher)
  .nullable()
  .default({})
  .transform((value) => value ?? {});

export const triggerSchema = z.looseObject({
  // Tyk treats every value but "any" as "all"; "" is Go's zero value.
  on: z.enum(["any", "all", ""]).default("all"),
  options: z
    .looseObject({
      header_matches: matchers,
      query_val_matches: matchers,
      path_part_matches: matchers,
      session_meta_matches: matchers,
      request_context_matches: matchers,
      payload_matches: matcher.nullable().prefault({}),
    })
    .prefault({}),
  rewrite_to: z.string().default(""),
});

export const triggerList = list(triggerSchema);

type Trigger = z.output<typeof triggerSchema>;
type Matcher = z.output<typeof matcher>;

const triggerPath = "version_data.versions.*.extended_paths.url_rewrites.*.triggers.*";
const mapOptions = ["header_matches", "query_val_matches", "path_part_matches", "session_meta_matches", "request_context_matches"] as const;

/** The leaf fields of a trigger this gateway acts on, for the honoured-fields manifest. */
export const triggerHonours = [
  `${triggerPath}.on`,
  `${triggerPath}.rewrite_to`,
  ...[...mapOptions.map((option) => `${option}.*`), "payload_matches"].flatMap((option) =>
    ["match_rx", "reverse"].map((field) => `${triggerPath}.options.${option}.${field}`),
  ),
];

interface NamedMatcher {
  name: string;
  regex: RegExp;
  reverse: boolean;
}

export interface CompiledTrigger {
  index: number;
  any: boolean;
  headers: NamedMatcher[];
  query: NamedMatcher[];
  pathParts: NamedMatcher[];
  sessionMeta: NamedMatcher[];
  requestContext: NamedMatcher[];
  /** Global, as Tyk collects every match in the body. */
  payload: { regex: RegExp; reverse: boolean } | null;
  /** How many kinds of option the trigger sets: an "all" trigger fires when that many kinds passed. */
  kinds: number;
  rewriteTo: string;
}

/** Go's `textproto.CanonicalMIMEHeaderKey`: `x-api-version` → `X-Api-Version`, the name Tyk's keys carry. */
export function canonicalHeaderName(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
}

function named(options: Record<string, Matcher>, rename: (name: string) => string = (name) => name): NamedMatcher[] {
  return Object.entries(options).map(([name, option]) => ({ name: rename(name), regex: safeRegExp(option.match_rx), reverse: option.reverse }));
}

export function compileTrigger(trigger: Trigger, index: number): CompiledTrigger {
  const { options } = trigger;
  const payload = options.payload_matches?.match_rx
    ? { regex: safeRegExp(options.payload_matches.match_rx, "g"), reverse: options.payload_matches.reverse }
    : null;
  const compiled = {
    index,
    any: trigger.on === "any",
    headers: named(options.header_matches, canonicalHeaderName),
    query: named(options.query_val_matches),
    pathParts: named(options.path_part_matches),
    sessionMeta: named(options.session_meta_matches),
    requestContext: named(options.request_context_matches),
    payload,
    rewriteTo: trigger.rewrite_to,
  };
  const lists = [compiled.headers, compiled.query, compiled.pathParts, compiled.sessionMeta, compiled.requestContext];
  return { ...compiled, kinds: lists.filter((entries) => entries.length > 0).length + (payload ? 1 : 0) };
}

/** Captured values by Tyk's trigger key (`trigger-0-X-Tenant-0`, `trigger-0-X-Tenant-0-0`, …). */
export type Captures = Map<string, string>;

function keep(captures: Captures, key: string, match: RegExpExecArray | RegExpMatchArray | null): void {
  if (!match) return;
  captures.set(key, match[0]);
  for (let group = 1; group < match.length; group++) captures.set(`${key}-${group - 1}`, match[group] ?? "");
}

/** Tyk's `reverse`: the matcher passes when its regex does not match. */
function tryMatcher(entry: NamedMatcher, value: string): { passed: boolean; match: RegExpExecArray | null } {
  const match = entry.regex.exec(value);
  return { passed: entry.reverse ? match === null : match !== null, match };
}

/**
 * Tyk counts matching values, not matching options: an "all" kind passes once
 * as many values matched as it has options, as gateway/mw_url_rewrite.go does.
 */
function kindPasses(passedValues: number, options: number, any: boolean): boolean {
  return passedValues > 0 && (any || options <= passedValues);
}

/** The first 1 MiB of the body is what payload triggers see; the body still goes upstream whole. */
export const payloadLimit = 1024 * 1024;

async function readPayload(ctx: RequestContext): Promise<string> {
  // Reads only this branch of the tee; the forwarded one keeps the whole body.
  return new TextDecoder().decode(await readPrefix(ctx.teeBody(), payloadLimit));
}

/** What a request offers triggers, read on first use: the body only when a payload trigger is reached. */
class TriggerInput {
  private payload: Promise<string> | undefined;
  private queryValues: URLSearchParams | undefined;

  constructor(
    readonly ctx: RequestContext,
    readonly captures: Captures,
  ) {}

  get query(): URLSearchParams {
    this.queryValues ??= new URLSearchParams(this.ctx.upstreamQuery);
    return this.queryValues;
  }

  body(): Promise<string> {
    this.payload ??= readPayload(this.ctx);
    return this.payload;
  }

  /** Tyk's request context: what earlier triggers captured, then the context variables when the API has them on. */
  contextValue(name: string): string | undefined {
    return this.captures.get(name) ?? (this.ctx.contextVars ? contextVariable(this.ctx, name) : undefined);
  }
}

function headerKind(trigger: CompiledTrigger, input: TriggerInput): boolean {
  let passed = 0;
  for (const entry of trigger.headers) {
    const value = input.ctx.upstreamHeaders.get(entry.name);
    if (value === null) continue;
    const result = tryMatcher(entry, value);
    if (!result.passed) continue;
    keep(input.captures, `trigger-${trigger.index}-${entry.name}-0`, result.match);
    passed++;
  }
  return kindPasses(passed, trigger.headers.length, trigger.any);
}

function queryKind(trigger: CompiledTrigger, input: TriggerInput): boolean {
  let passed = 0;
  for (const entry of trigger.query) {
    input.query.getAll(entry.name).forEach((value, index) => {
      const result = tryMatcher(entry, value);
      if (!result.passed) return;
      keep(input.captures, `trigger-${trigger.index}-${entry.name}-${index}`, result.match);
      passed++;
    });
  }
  return kindPasses(passed, trigger.query.length, trigger.any);
}

function pathPartKind(trigger: CompiledTrigger, input: TriggerInput): boolean {
  let passed = 0;
  const parts = input.ctx.apiPath.split("/");
  for (const entry of trigger.pathParts) {
    for (const part of parts) {
      const result = tryMatcher(entry, part);
      if (!result.passed) continue;
      // Tyk numbers path-part matches by the running count across the trigger's options.
      keep(input.captures, `trigger-${trigger.index}-${entry.name}-${passed}`, result.match);
      passed++;
    }
  }
  return kindPasses(passed, trigger.pathParts.length, trigger.any);
}

/** Session metadata and context values: one string per name, keys without an index. */
function namedValueKind(trigger: CompiledTrigger, input: TriggerInput, entries: NamedMatcher[], lookUp: (name: string) => unknown): boolean {
  let passed = 0;
  for (const entry of entries) {
    const value = lookUp(entry.name);
    if (typeof value !== "string") continue;
    const result = tryMatcher(entry, value);
    if (!result.passed) continue;
    keep(input.captures, `trigger-${trigger.index}-${entry.name}`, result.match);
    passed++;
  }
  return kindPasses(passed, entries.length, trigger.any);
}

async function payloadKind(trigger: CompiledTrigger, input: TriggerInput): Promise<boolean> {
  if (!trigger.payload) return false;
  const matches = [...(await input.body()).matchAll(trigger.payload.regex)];
  if (trigger.payload.reverse) return matches.length === 0;
  if (matches.length === 0) return false;
  const key = `trigger-${trigger.index}-payload`;
  input.captures.set(key, matches[0]![0]);
  matches.forEach((match, index) => {
    keep(input.captures, `${key}-${index}`, match);
  });
  return true;
}

/** Whether one trigger fires; in "any" mode the first passing kind decides, as in Tyk. */
async function fires(trigger: CompiledTrigger, input: TriggerInput): Promise<boolean> {
  // Read only when asked for: the session exists only once authentication has run.
  const session = trigger.sessionMeta.length > 0 ? input.ctx.session : undefined;
  const kinds: (() => boolean | Promise<boolean>)[] = [];
  if (trigger.headers.length > 0) kinds.push(() => headerKind(trigger, input));
  if (trigger.query.length > 0) kinds.push(() => queryKind(trigger, input));
  if (trigger.pathParts.length > 0) kinds.push(() => pathPartKind(trigger, input));
  // Without a session (keyless API, ignored path) Tyk skips session matches, so an "all" trigger cannot fire.
  if (session) kinds.push(() => namedValueKind(trigger, input, trigger.sessionMeta, (name) => session.meta_data[name]));
  if (trigger.requestContext.length > 0) kinds.push(() => namedValueKind(trigger, input, trigger.requestContext, (name) => input.contextValue(name)));
  if (trigger.payload) kinds.push(() => payloadKind(trigger, input));
  let passed = 0;
  for (const kind of kinds) {
    if (!(await kind())) continue;
    if (trigger.any) return true;
    passed++;
  }
  return !trigger.any && passed === trigger.kinds;
}

/** The `rewrite_to` of the first trigger that fires (or undefined), and everything the triggers captured. */
export async function evaluateTriggers(
  triggers: readonly CompiledTrigger[],
  ctx: RequestContext,
): Promise<{ rewriteTo: string | undefined; captures: Captures }> {
  const input = new TriggerInput(ctx, new Map());
  for (const trigger of triggers) {
    if (await fires(trigger, input)) return { rewriteTo: trigger.rewriteTo, captures: input.captures };
  }
  return { rewriteTo: undefined, captures: input.captures };
}
