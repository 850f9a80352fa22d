import * as z from "zod";
import { compilePathPattern } from "../apidef/paths";
import { compileVersions, list, pathPattern, perVersionFragment, regexSource } from "../apidef/schema";
import type { RequestContext } from "../chain/context";
import { defineFeature } from "../chain/feature";
import { safeRegExp } from "../lib/regex-safety";
import { messages, TykError } from "../lib/tyk-error";
import { expandVariables } from "./context-vars";
import { compileTrigger, evaluateTriggers, triggerHonours, triggerList, type Captures, type CompiledTrigger } from "./url-rewrite-triggers";

/*
 * Tyk's URL rewrite (gateway/mw_url_rewrite.go). The first endpoint whose
 * path and method match owns the request; when its `match_pattern` matches
 * the path below the listen path, the target is the `rewrite_to` of the first
 * trigger that fires, else the endpoint's own `rewrite_to`. In the target,
 * `$N` is the N-th group of `match_pattern`, `$tyk_context.trigger-…` what a
 * trigger captured, and `$tyk_context.*` / `$tyk_meta.*` the request's
 * variables. A target that is a full URL replaces the upstream URL; a path
 * keeps the original query string unless it sets its own. Tyk's internal
 * looping (`tyk://`) is refused: this gateway does not loop requests.
 */

const urlRewrite = z.looseObject({
  path: pathPattern,
  method: z.string().default(""),
  disabled: z.boolean().default(false),
  match_pattern: regexSource,
  rewrite_to: z.string(),
  triggers: triggerList,
});

interface CompiledRewrite {
  pattern: RegExp;
  methods: Set<string> | null;
  matchPattern: RegExp;
  rewriteTo: string;
  triggers: CompiledTrigger[];
}

const groupReference = /\$(\d+)/g;
const variableToken = /\$tyk_(?:context|meta)\.[A-Za-z0-9_\-.]+/g;
const triggerVariable = "$tyk_context.trigger-";

/** Go's `url.QueryEscape`, which Tyk applies to every variable it puts in a rewrite target. */
function queryEscape(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll("%20", "+");
}

/** Tyk leaves a value that starts with "http" as it is, so a variable can carry a whole URL. */
function escapedValue(value: string): string {
  return value.startsWith("http") ? value : queryEscape(value);
}

function expandTarget(template: string, ctx: RequestContext, captures: Captures): string {
  if (!template.includes("$tyk_")) return template;
  return template.replace(variableToken, (token) => {
    if (token.startsWith(triggerVariable)) return escapedValue(captures.get(token.slice("$tyk_context.".length)) ?? "");
    const expanded = expandVariables(token, ctx);
    return expanded === token ? token : escapedValue(expanded);
  });
}

function decodedPath(path: string): string | null {
  try {
    return decodeURIComponent(path);
  } catch {
    return null;
  }
}

/** `match_pattern` against the path, then against its decoded form when it has escapes, as Tyk retries. */
function matchPath(pattern: RegExp, path: string): RegExpExecArray | null {
  const match = pattern.exec(path);
  if (match || !path.includes("%")) return match;
  const decoded = decodedPath(path);
  return decoded === null ? null : pattern.exec(decoded);
}

async function rewriteTarget(rewrite: CompiledRewrite, groups: RegExpExecArray, ctx: RequestContext): Promise<string> {
  const fired = rewrite.triggers.length > 0 ? await evaluateTriggers(rewrite.triggers, ctx) : undefined;
  const template = fired?.rewriteTo ?? rewrite.rewriteTo;
  const withGroups = template.replace(groupReference, (_, index: string) => groups[Number(index)] ?? "");
  return expandTarget(withGroups, ctx, fired?.captures ?? new Map());
}

const isInternalLoop = (target: string): boolean => /^tyk:\/\//i.test(target);

function applyTarget(target: string, ctx: RequestContext): void {
  if (isInternalLoop(target)) {
    ctx.log.error("URL rewrite to an internal loop refused: tyk:// looping is not supported", { rewrite_to: target });
    throw new TykError(500, messages.loopingNotSupported);
  }
  if (URL.canParse(target)) {
    ctx.rewrittenUrl = new URL(target);
    return;
  }
  const [path = "", query] = target.split("?", 2);
  ctx.apiPath = path.startsWith("/") ? path : `/${path}`;
  if (query !== undefined) ctx.upstreamQuery = `?${query}`;
}

const rewriteFields = ["path", "method", "disabled", "match_pattern", "rewrite_to"];

export const rewriteUrl = defineFeature({
  name: "URLRewriteMiddleware",
  fields: perVersionFragment({ url_rewrites: list(urlRewrite) }),
  honours: [...rewriteFields.map((field) => `version_data.versions.*.extended_paths.url_rewrites.*.${field}`), ...triggerHonours],
  compile: (definition) => {
    const byVersion = compileVersions(definition, (version) => {
      if (!version.use_extended_paths) return undefined;
      const rewrites = version.extended_paths.url_rewrites
        .filter((entry) => !entry.disabled)
        .map<CompiledRewrite>((entry) => ({
          pattern: compilePathPattern(entry.path),
          methods: entry.method ? new Set([entry.method.toUpperCase()]) : null,
          matchPattern: safeRegExp(entry.match_pattern),
          rewriteTo: entry.rewrite_to,
          triggers: entry.triggers.map(compileTrigger),
        }));
      return rewrites.length > 0 ? rewrites : undefined;
    });
    return byVersion.size > 0 ? byVersion : undefined;
  },
  report: (definition) => {
    const looping = Object.entries(definition.version_data.versions).flatMap(([name, version]) =>
      version.extended_paths.url_rewrites.flatMap((entry, index) =>
        [entry.rewrite_to, ...entry.triggers.map((trigger) => trigger.rewrite_to)].some(isInternalLoop)
          ? [`version_data.versions.${name}.extended_paths.url_rewrites.${index}.rewrite_to`]
          : [],
      ),
    );
    return looping.map((field) => ({ field, message: "internal looping (tyk://) is not supported; the rewrite answers 500", security: false }));
  },
  step: (byVersion) => async (ctx, next) => {
    const rewrites = byVersion.get(ctx.version.name) ?? [];
    const apiPath = ctx.apiPath;
    // Tyk hands the request to the first endpoint that matches; its match_pattern alone decides.
    const rewrite = rewrites.find((entry) => (!entry.methods || entry.methods.has(ctx.method)) && entry.pattern.test(apiPath));
    const groups = rewrite ? matchPath(rewrite.matchPattern, apiPath) : null;
    if (rewrite && groups) applyTarget(await rewriteTarget(rewrite, groups, ctx), ctx);
    return next();
  },
});
