/*
 * Tyk path patterns: a path is a regular expression in which `{name}` stands
 * for one path segment and `/*` for the rest of the path (Tyk's mux
 * templates). Portcullis anchors patterns at both ends (Tyk's
 * `enable_path_prefix_matching` + `enable_path_suffix_matching`), so
 * `/users/{id}` matches `/users/7` and `/users/7/`, not `/users/7/orders`.
 * As in Tyk, only a pattern that starts with `/` (or `^`) is anchored at the
 * start: `validate` matches `/validate` and `/v1/validate`.
 */

const paramPattern = /\{[^/{}]*\}/g;
const hasParam = /\{[^/{}]*\}/;
const segment = "[^/]+";

function patternSource(path: string): string {
  const source = path.replace(paramPattern, segment).replaceAll("/*/", "/[^/]+/").replaceAll("/*", "/.*").replace(/\/+$/, "");
  if (source.startsWith("^")) return source.slice(1);
  return source.startsWith("/") || source === "" ? source : `.*${source}`;
}

export function compilePathPattern(path: string, ignoreCase = false): RegExp {
  return new RegExp(`^${patternSource(path)}/?$`, ignoreCase ? "i" : "");
}

/** Returns the reason a path pattern does not compile, or null when it does. */
export function pathPatternError(path: string): string | null {
  try {
    compilePathPattern(path);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
}

/**
 * A listen path matches itself and anything below it on a segment boundary:
 * `/orders` matches `/orders` and `/orders/1`, never `/ordersx`. The match
 * returns the matched prefix length, so the caller can strip it.
 */
export function compileListenPath(listenPath: string): (path: string) => number {
  const trimmed = listenPath.replace(/\/+$/, "");
  if (trimmed === "") return () => 0;
  if (!hasParam.test(trimmed)) {
    return (path) => (path === trimmed || path.startsWith(`${trimmed}/`) ? trimmed.length : -1);
  }
  const source = trimmed.split(paramPattern).map(escapeRegExp).join(segment);
  const regex = new RegExp(`^${source}(?=/|$)`);
  return (path) => regex.exec(path)?.[0].length ?? -1;
}

/** Length used to order listen paths longest first; a `{param}` counts as one character, as in Tyk. */
export function listenPathWeight(listenPath: string): number {
  return listenPath.replace(/\/+$/, "").replace(paramPattern, "x").length;
}
