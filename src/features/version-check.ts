import * as z from "zod";
import type { CoreApi, CoreVersion } from "../apidef/compile";
import { compilePathPattern, pathPatternError } from "../apidef/paths";
import { compileVersions, headerMap, list, pathPattern } from "../apidef/schema";
import type { RequestContext } from "../chain/context";
import { defineFeature } from "../chain/feature";
import { versionFailureMeta } from "../events/meta";
import { messages, TykError } from "../lib/tyk-error";

/*
 * Tyk's VersionCheck: API and version expiry, the version the request asks
 * for, then the version's endpoint lists. Ignored, black-listed and
 * white-listed entries are checked in that order and the first match decides;
 * a `reply` method action answers here, before authentication, as Tyk does.
 * A version with `use_extended_paths: false` uses its legacy `paths` lists
 * instead: plain path patterns for any method, compiled as extended paths are
 * (gateway/api_definition.go `getPathSpecs`).
 * Every API runs it: later steps read the version it resolves.
 */

const methodAction = z.looseObject({
  action: z.enum(["no_action", "reply"]).default("no_action"),
  code: z.number().int().min(100).max(599).default(200),
  data: z.string().default(""),
  headers: headerMap.default({}),
});

const endpoint = z
  .looseObject({
    path: pathPattern,
    method: z.string().optional(),
    disabled: z.boolean().default(false),
    ignore_case: z.boolean().default(false),
    method_actions: z.record(z.string(), methodAction).default({}),
  })
  .superRefine((entry, ctx) => {
    // Case folding lets more parts of a pattern overlap: check it as it will be compiled.
    const error = entry.ignore_case ? pathPatternError(entry.path, true) : null;
    if (error) ctx.addIssue({ code: "custom", path: ["path"], message: error });
  });

type Endpoint = z.output<typeof endpoint>;
type MethodAction = z.output<typeof methodAction>;
type RuleKind = "ignored" | "black_list" | "white_list";

interface EndpointRule {
  kind: RuleKind;
  pattern: RegExp;
  /** null matches every method. */
  methods: Set<string> | null;
  actions: Record<string, MethodAction>;
}

interface VersionRules {
  rules: EndpointRule[];
  whiteListEnabled: boolean;
}

const ruleKinds: RuleKind[] = ["ignored", "black_list", "white_list"];
const endpointFields = ["path", "method", "disabled", "ignore_case", "method_actions"];

const legacyPaths = z.looseObject({ ignored: list(z.string()), white_list: list(z.string()), black_list: list(z.string()) });
type LegacyPaths = z.output<typeof legacyPaths>;

const hasLegacyLists = (paths: LegacyPaths | null): paths is LegacyPaths => paths !== null && ruleKinds.some((kind) => paths[kind].length > 0);

const versionLists = z
  .looseObject({
    // Read as written: Tyk takes a missing flag as false (legacy lists), Portcullis as true.
    use_extended_paths: z.boolean().optional(),
    extended_paths: z.looseObject({ ignored: list(endpoint), white_list: list(endpoint), black_list: list(endpoint) }).prefault({}),
    paths: legacyPaths.nullable().prefault({}),
  })
  .superRefine((version, ctx) => {
    const paths = version.paths;
    if (!hasLegacyLists(paths)) return;
    if (version.use_extended_paths === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["use_extended_paths"],
        message: "must be set when the version has legacy `paths` lists: Tyk reads a missing flag as false and applies them, this gateway reads it as true",
      });
      return;
    }
    if (version.use_extended_paths) return;
    for (const kind of ruleKinds) {
      paths[kind].forEach((path, index) => {
        const error = pathPatternError(path);
        if (error) ctx.addIssue({ code: "custom", path: ["paths", kind, index], message: error });
      });
    }
  });

const fields = z.looseObject({
  version_data: z.looseObject({ versions: z.record(z.string(), versionLists).default({}) }).prefault({}),
  // Read, not honoured here: the CORS feature owns these fields.
  CORS: z
    .looseObject({ enable: z.boolean().default(false), options_passthrough: z.boolean().default(false) })
    .nullable()
    .default(null),
});

function methodsOf(method: string | undefined, actions: Record<string, MethodAction>): Set<string> | null {
  const methods = method ? [method] : Object.keys(actions);
  return methods.length > 0 ? new Set(methods.map((name) => name.toUpperCase())) : null;
}

function compileRules(kind: RuleKind, entries: Endpoint[]): EndpointRule[] {
  return entries
    .filter((entry) => !entry.disabled)
    .map((entry) => ({
      kind,
      pattern: compilePathPattern(entry.path, entry.ignore_case),
      methods: methodsOf(entry.method, entry.method_actions),
      actions: Object.fromEntries(Object.entries(entry.method_actions).map(([method, action]) => [method.toUpperCase(), action])),
    }));
}

/** A legacy entry is a bare path: it matches every method and has no actions. */
function compileLegacyRules(kind: RuleKind, paths: string[]): EndpointRule[] {
  return paths.map((path) => ({ kind, pattern: compilePathPattern(path), methods: null, actions: {} }));
}

function compileVersionRules(version: z.output<typeof versionLists>): VersionRules | undefined {
  const legacy = version.use_extended_paths === false;
  if (legacy && !version.paths) return undefined;
  const compile = (kind: RuleKind): EndpointRule[] =>
    legacy ? compileLegacyRules(kind, version.paths?.[kind] ?? []) : compileRules(kind, version.extended_paths[kind]);
  const whiteList = compile("white_list");
  const rules = [...compile("ignored"), ...compile("black_list"), ...whiteList];
  return rules.length > 0 ? { rules, whiteListEnabled: whiteList.length > 0 } : undefined;
}

function versionName(api: CoreApi, ctx: RequestContext): { name: string; apiPath: string } {
  const { location, key, stripVersion } = api.versioning;
  if (location === "header") return { name: ctx.request.headers.get(key) ?? "", apiPath: ctx.apiPath };
  if (location === "url-param") return { name: ctx.url.searchParams.get(key) ?? "", apiPath: ctx.apiPath };
  const [, name = "", ...rest] = ctx.apiPath.split("/");
  return { name, apiPath: stripVersion && name ? `/${rest.join("/")}` : ctx.apiPath };
}

/** Tyk's VersionCheck raises VersionFailure, with the refusal as its reason, whenever it refuses a request. */
function versionFailure(ctx: RequestContext, reason: string): TykError {
  ctx.events?.raise(ctx, "VersionFailure", versionFailureMeta(ctx, reason));
  return new TykError(403, reason);
}

function resolveVersion(api: CoreApi, ctx: RequestContext): { version: CoreVersion; apiPath: string } {
  if (!api.versioning.enabled) {
    const version = api.versions.get("Default") ?? api.versions.values().next().value;
    if (!version) throw versionFailure(ctx, messages.versionDoesNotExist);
    return { version, apiPath: ctx.apiPath };
  }
  const requested = versionName(api, ctx);
  const name = requested.name || api.versioning.defaultVersion;
  if (!name) throw versionFailure(ctx, messages.versionNotFound);
  const version = api.versions.get(name);
  if (!version) throw versionFailure(ctx, messages.versionDoesNotExist);
  return { version, apiPath: requested.apiPath };
}

const noRules: VersionRules = { rules: [], whiteListEnabled: false };

export const versionCheck = defineFeature({
  name: "VersionCheck",
  fields,
  honours: [
    ...ruleKinds.flatMap((kind) => endpointFields.map((field) => `version_data.versions.*.extended_paths.${kind}.*.${field}`)),
    ...ruleKinds.map((kind) => `version_data.versions.*.paths.${kind}`),
  ],
  compile: (definition) => ({
    rulesByVersion: compileVersions(definition, compileVersionRules),
    // The CORS step answers every OPTIONS request itself, so Tyk lets them past the endpoint lists (URLAllowedAndIgnored).
    corsAnswersOptions: definition.CORS?.enable === true && !definition.CORS.options_passthrough,
  }),
  step:
    ({ rulesByVersion, corsAnswersOptions }, api) =>
    async (ctx, next) => {
      const now = Date.now();
      if (api.expiresAt !== null && now > api.expiresAt) throw versionFailure(ctx, messages.apiExpired);
      const { version, apiPath } = resolveVersion(api, ctx);
      if (version.expiresAt !== null && now > version.expiresAt) throw versionFailure(ctx, messages.versionExpired);
      ctx.version = version;
      ctx.apiPath = apiPath;
      if (corsAnswersOptions && ctx.method === "OPTIONS") return next();

      const { rules, whiteListEnabled } = rulesByVersion.get(version.name) ?? noRules;
      let allowed = !whiteListEnabled;
      for (const rule of rules) {
        if ((rule.methods && !rule.methods.has(ctx.method)) || !rule.pattern.test(apiPath)) continue;
        // Own properties only: a client's method such as `constructor` must not find Object's.
        const action = Object.hasOwn(rule.actions, ctx.method) ? rule.actions[ctx.method] : undefined;
        if (action?.action === "reply") return new Response(action.data, { status: action.code, headers: action.headers });
        if (rule.kind === "black_list") throw versionFailure(ctx, messages.endpointForbidden);
        ctx.ignoredPath = rule.kind === "ignored";
        allowed = true;
        break;
      }
      if (!allowed) throw versionFailure(ctx, messages.endpointForbidden);
      return next();
    },
});
