import { compileApiLimits, type ApiLimits } from "../ratelimit/api-limits";
import { compileListenPath, compilePathPattern, listenPathWeight } from "./paths";
import { versionInfoSchema, type ApiDefinition, type EndpointMeta, type MethodAction, type UrlRewrite, type VersionInfo } from "./schema";

/*
 * An API definition compiled for the hot path: regexes built, dates parsed and
 * lookups turned into maps once per config version, not once per request.
 */

export type EndpointRuleKind = "ignored" | "black_list" | "white_list";

export interface EndpointRule {
  kind: EndpointRuleKind;
  pattern: RegExp;
  /** null matches every method. */
  methods: Set<string> | null;
  actions: Record<string, MethodAction>;
}

export interface CompiledRewrite {
  pattern: RegExp;
  methods: Set<string> | null;
  matchPattern: RegExp;
  rewriteTo: string;
}

export interface CompiledVersion {
  name: string;
  expiresAt: number | null;
  /** Tyk checks ignored, then black-listed, then white-listed paths; the first match decides. */
  endpointRules: EndpointRule[];
  whiteListEnabled: boolean;
  urlRewrites: CompiledRewrite[];
  addHeaders: [string, string][];
  removeHeaders: string[];
  overrideTarget: URL | null;
}

/** Tyk's names for the auth methods (`base_identity_provided_by` values), in Tyk's chain order. */
export const authMethodOrder = ["basic_auth_user", "hmac_key", "jwt_claim", "auth_token"] as const;
export type AuthMethod = (typeof authMethodOrder)[number];

export interface CompiledApi {
  definition: ApiDefinition;
  id: string;
  name: string;
  orgId: string;
  /** Lower-cased; empty matches any host. */
  domain: string;
  matchListenPath: (path: string) => number;
  listenPathWeight: number;
  listenPath: string;
  stripListenPath: boolean;
  targets: URL[];
  /** Enabled auth methods in the order they run; empty for keyless APIs. */
  authMethods: AuthMethod[];
  /** The method whose session the request carries when several run. */
  baseIdentity: AuthMethod | null;
  /** `basic_auth.extract_from_body` patterns, when enabled. */
  basicAuthBody: { user: RegExp; password: RegExp } | null;
  expiresAt: number | null;
  versioning: {
    enabled: boolean;
    location: "header" | "url-param" | "url";
    key: string;
    stripVersion: boolean;
    defaultVersion: string;
  };
  versions: Map<string, CompiledVersion>;
  /** Rate limit and quota settings (global_rate_limit, extended_paths.rate_limit, disable_*). */
  limits: ApiLimits;
}

/** Tyk's expiry format `2006-01-02 15:04`, read as UTC. Empty or unparsable means never. */
export function parseTykExpiry(value: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(value.trim());
  if (!match) return null;
  const [, year, month, day, hour, minute] = match.map(Number) as [number, number, number, number, number, number];
  return Date.UTC(year, month - 1, day, hour, minute);
}

function methodsOf(method: string | undefined, actions: Record<string, MethodAction>): Set<string> | null {
  const methods = method ? [method] : Object.keys(actions);
  return methods.length > 0 ? new Set(methods.map((name) => name.toUpperCase())) : null;
}

function compileRules(kind: EndpointRuleKind, entries: EndpointMeta[]): EndpointRule[] {
  return entries
    .filter((entry) => !entry.disabled)
    .map((entry) => ({
      kind,
      pattern: compilePathPattern(entry.path, entry.ignore_case),
      methods: methodsOf(entry.method, entry.method_actions),
      actions: Object.fromEntries(
        Object.entries(entry.method_actions).map(([method, action]) => [method.toUpperCase(), action]),
      ),
    }));
}

function compileRewrites(entries: UrlRewrite[]): CompiledRewrite[] {
  return entries
    .filter((entry) => !entry.disabled)
    .map((entry) => ({
      pattern: compilePathPattern(entry.path),
      methods: entry.method ? new Set([entry.method.toUpperCase()]) : null,
      matchPattern: new RegExp(entry.match_pattern),
      rewriteTo: entry.rewrite_to,
    }));
}

function compileVersion(name: string, info: VersionInfo): CompiledVersion {
  const paths = info.use_extended_paths ? info.extended_paths : { ignored: [], black_list: [], white_list: [], url_rewrites: [] };
  const whiteList = compileRules("white_list", paths.white_list);
  const headersOn = !info.global_headers_disabled;
  return {
    name,
    expiresAt: parseTykExpiry(info.expires),
    endpointRules: [...compileRules("ignored", paths.ignored), ...compileRules("black_list", paths.black_list), ...whiteList],
    whiteListEnabled: whiteList.length > 0,
    urlRewrites: compileRewrites(paths.url_rewrites),
    addHeaders: headersOn ? Object.entries(info.global_headers) : [],
    removeHeaders: headersOn ? info.global_headers_remove : [],
    overrideTarget: URL.canParse(info.override_target) ? new URL(info.override_target) : null,
  };
}

/**
 * Classic Tyk runs every enabled method and all must pass; the auth token
 * runs when `use_standard_auth` is set or nothing else is (api_loader.go).
 */
function authMethodsOf(definition: ApiDefinition): AuthMethod[] {
  if (definition.use_keyless) return [];
  const enabled: Record<AuthMethod, boolean> = {
    basic_auth_user: definition.use_basic_auth,
    hmac_key: definition.enable_signature_checking,
    jwt_claim: definition.enable_jwt,
    auth_token: definition.use_standard_auth,
  };
  const methods = authMethodOrder.filter((method) => enabled[method]);
  return methods.length > 0 ? methods : ["auth_token"];
}

/**
 * Tyk lets each method whose name matches `base_identity_provided_by` (or any
 * method when it is empty) set the session, so the last one wins. A name that
 * is not among the enabled methods falls back to that last one too, where Tyk
 * would leave the request without a session.
 */
function baseIdentityOf(methods: AuthMethod[], providedBy: string): AuthMethod | null {
  const named = methods.find((method) => method === providedBy);
  return named ?? methods.at(-1) ?? null;
}

function basicAuthBodyOf(definition: ApiDefinition): CompiledApi["basicAuthBody"] {
  const settings = definition.basic_auth;
  if (!settings.extract_from_body) return null;
  return { user: new RegExp(settings.body_user_regexp), password: new RegExp(settings.body_password_regexp) };
}

export function compileApi(definition: ApiDefinition): CompiledApi {
  const { proxy, version_data: versionData } = definition;
  const targetUrls = proxy.enable_load_balancing && proxy.target_list.length > 0 ? proxy.target_list : [proxy.target_url];
  const versionEntries = Object.entries(versionData.versions);
  const versions = new Map(versionEntries.map(([name, info]) => [name, compileVersion(name, info)]));
  if (versions.size === 0) versions.set("Default", compileVersion("Default", versionInfoSchema.parse({ name: "Default" })));
  const authMethods = authMethodsOf(definition);
  return {
    definition,
    id: definition.api_id,
    name: definition.name,
    orgId: definition.org_id,
    domain: definition.domain.trim().toLowerCase(),
    matchListenPath: compileListenPath(proxy.listen_path),
    listenPathWeight: listenPathWeight(proxy.listen_path),
    listenPath: proxy.listen_path.replace(/\/+$/, ""),
    stripListenPath: proxy.strip_listen_path,
    targets: targetUrls.map((url) => new URL(url)),
    authMethods,
    baseIdentity: baseIdentityOf(authMethods, definition.base_identity_provided_by),
    basicAuthBody: basicAuthBodyOf(definition),
    expiresAt: parseTykExpiry(definition.expiration),
    versioning: {
      enabled: !versionData.not_versioned,
      location: definition.definition.location,
      key: definition.definition.key || "x-api-version",
      stripVersion: definition.definition.strip_path || definition.definition.strip_versioning_data,
      defaultVersion: versionData.default_version,
    },
    versions,
    limits: compileApiLimits(definition),
  };
}
