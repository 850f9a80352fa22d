import { regexProblem, safeRegExp } from "../lib/regex-safety";

/*
 * Tyk path patterns: a path is a regular expression in which `{name}` stands
 * for one path segment and `/*` for the rest of the path (Tyk's mux
 * templates). Portcullis anchors patterns at both ends (Tyk's
 * `enable_path_prefix_matching` + `enable_path_suffix_matching`), so
 * `/users/{id}` matches `/users/7` and `/users/7/`, not `/users/7/orders`.
 * As in Tyk, only a pattern that starts with `/` (or `^`) is anchored at the
 * start: `validate` matches `/validate` and `/v1/validate`.
 * Every pattern goes through the regex safety check (src/lib/regex-safety.ts):
 * one JavaScript could only run by backtracking beyond linear time is refused.
 */

/** `path` without its trailing slashes. Not `/\/+$/`: that regex is quadratic on a long run of slashes. */
export function withoutTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 0x2f) end--;
  return path.slice(0, end);
}

const paramPattern = /\{[^/{}]*\}/g;
const hasParam = /\{[^/{}]*\}/;
const segment = "[^/]+";

function patternSource(path: string): string {
  const source = withoutTrailingSlashes(path.replace(paramPattern, segment).replaceAll("/*/", "/[^/]+/").replaceAll("/*", "/.*"));
  if (source.startsWith("^")) return source.slice(1);
  if (source.startsWith("/") || source === "") return source;
  // `.*` before a pattern that starts with `.*` adds nothing but a second way to match (which the safety check refuses).
  return source.startsWith(".*") ? source : `.*${source}`;
}

const anchoredSource = (path: string) => `^${patternSource(path)}/?$`;

/** Throws (UnsafeRegexError, SyntaxError) for a pattern `pathPatternError` refuses. */
export function compilePathPattern(path: string, ignoreCase = false): RegExp {
  return safeRegExp(anchoredSource(path), ignoreCase ? "i" : "");
}

/** Returns the reason a path pattern cannot be used (it does not compile, or is unsafe), or null when it can. */
export function pathPatternError(path: string, ignoreCase = false): string | null {
  return regexProblem(anchoredSource(path), ignoreCase ? "i" : "");
}

const allowedUrlSource = (url: string) => `^${url.replace(paramPattern, segment)}`;

/**
 * A key's or policy's `allowed_urls[].url`: `{id}` stands for one segment and
 * the rest is a regex anchored at the start of the path only, as in Tyk.
 */
export function compileAllowedUrl(url: string): RegExp {
  return safeRegExp(allowedUrlSource(url));
}

/** Access rights as keys and policies carry them; `endpoints` is read as sent. */
type AccessRights = Record<string, { allowed_urls: readonly { url: string }[]; [field: string]: unknown }>;

function endpointPaths(endpoints: unknown): string[] {
  if (!Array.isArray(endpoints)) return [];
  return endpoints.map((endpoint: unknown) => {
    const path = typeof endpoint === "object" && endpoint !== null ? (endpoint as Record<string, unknown>)["path"] : undefined;
    return typeof path === "string" ? path : "";
  });
}

/**
 * "<api>.allowed_urls.<n>.url: <reason>" for every pattern in a key's or
 * policy's access rights that cannot be used (`allowed_urls` and the
 * per-endpoint rate limits' `endpoints[].path`), so the Gateway API can refuse
 * it before it is stored.
 */
export function accessRightsPatternProblems(accessRights: AccessRights): string[] {
  return Object.entries(accessRights).flatMap(([apiId, access]) => {
    const urls = access.allowed_urls.map((entry, index) => [`${apiId}.allowed_urls.${index}.url`, regexProblem(allowedUrlSource(entry.url))] as const);
    const paths = endpointPaths(access["endpoints"]).map((path, index) => [`${apiId}.endpoints.${index}.path`, pathPatternError(path)] as const);
    return [...urls, ...paths].flatMap(([field, problem]) => (problem ? [`access_rights.${field}: ${problem}`] : []));
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^$()|[\]{}\\]/g, "\\$&");
}

/** A listen path with `{param}` segments, as a regex whose first group is the matched prefix. */
function listenPathSource(trimmed: string): string {
  return `^(${trimmed.split(paramPattern).map(escapeRegExp).join(segment)})(?:/|$)`;
}

/**
 * A listen path matches itself and anything below it on a segment boundary:
 * `/orders` matches `/orders` and `/orders/1`, never `/ordersx`. The match
 * returns the matched prefix length, so the caller can strip it.
 */
export function compileListenPath(listenPath: string): (path: string) => number {
  const trimmed = withoutTrailingSlashes(listenPath);
  if (trimmed === "") return () => 0;
  if (!hasParam.test(trimmed)) {
    return (path) => (path === trimmed || path.startsWith(`${trimmed}/`) ? trimmed.length : -1);
  }
  const regex = safeRegExp(listenPathSource(trimmed));
  return (path) => regex.exec(path)?.[1]?.length ?? -1;
}

/**
 * Why a listen path cannot be routed, or null: its `{param}` segments run
 * through the regex safety check, since every request is matched against
 * them (`/{a}{b}x` would take seconds on a long first segment).
 */
export function listenPathError(listenPath: string): string | null {
  const trimmed = withoutTrailingSlashes(listenPath);
  return hasParam.test(trimmed) ? regexProblem(listenPathSource(trimmed)) : null;
}

/** Length used to order listen paths longest first; a `{param}` counts as one character, as in Tyk. */
export function listenPathWeight(listenPath: string): number {
  return withoutTrailingSlashes(listenPath).replace(paramPattern, "x").length;
}
