import type { ResponseFlag } from "./error-flags";
import type { CompiledOverrides, CompiledRule } from "./error-overrides";

/*
 * Which `error_overrides` rule answers an error, as Tyk decides
 * (gateway/error_overrides.go). The API's rules are tried first, then the
 * gateway's; within each, the rules of the exact status, then those of its
 * class ("5xx"), first match wins.
 *
 * A gateway error matches on its flag, or else on `message_pattern` against
 * its message; `body_field` plays no part. An upstream answer matches on
 * `body_field`/`body_value` (a JSON path into its body), or else on
 * `message_pattern` against its body, both on its first 4 KB only; of the
 * flags only URS applies (any 5xx), a rule naming another flag is for the
 * gateway's own errors.
 */

/** Tyk reads this much of an upstream body for matching. */
export const matchedBodyBytes = 4096;

type Matches = (rule: CompiledRule) => boolean | Promise<boolean>;

async function firstMatch(layers: readonly CompiledOverrides[], status: number, matches: Matches): Promise<CompiledRule | undefined> {
  for (const layer of layers) {
    for (const rules of [layer.exact.get(status), layer.byClass.get(Math.floor(status / 100))]) {
      for (const rule of rules ?? []) {
        // Gateway errors decide synchronously: no promise to wait for, per rule.
        const matched = matches(rule);
        if (matched === true || (matched !== false && (await matched))) return rule;
      }
    }
  }
  return undefined;
}

/** The rule for an error the gateway raised itself. */
export function gatewayRule(
  layers: readonly CompiledOverrides[],
  status: number,
  flag: ResponseFlag | undefined,
  message: string,
): Promise<CompiledRule | undefined> {
  return firstMatch(layers, status, ({ match }) => {
    if (!match) return true;
    if (match.flag && match.flag === flag) return true;
    if (match.pattern) return match.pattern.test(message);
    return !match.flag;
  });
}

/** The rule for an upstream answer of `status`; `body` reads its first bytes, only when a rule needs them. */
export function upstreamRule(layers: readonly CompiledOverrides[], status: number, body: () => Promise<string>): Promise<CompiledRule | undefined> {
  return firstMatch(layers, status, async ({ match }) => {
    if (!match) return true;
    if (match.flag === "URS") return status >= 500 && status <= 599;
    if (match.flag) return false;
    if (match.bodyField && jsonPathValue(await body(), match.bodyField.path) === match.bodyField.value) return true;
    if (match.pattern) return match.pattern.test(await body());
    return !match.bodyField;
  });
}

/** The path's segments: dots separate them, a backslash escapes a dot. */
function segmentsOf(path: string): string[] {
  const segments: string[] = [];
  let current = "";
  for (let index = 0; index < path.length; index++) {
    const char = path[index]!;
    if (char === "\\" && index + 1 < path.length) current += path[++index];
    else if (char === ".") {
      segments.push(current);
      current = "";
    } else current += char;
  }
  segments.push(current);
  return segments;
}

/**
 * The value at a dotted JSON path (the part of gjson's syntax error rules
 * use: keys, array indexes, `\.`), as gjson's `String()` gives it: a string
 * as is, a number or boolean as written, an object or array as JSON; null
 * and a missing value are undefined. A body that is not JSON (or cut at
 * 4 KB) has no value.
 */
export function jsonPathValue(text: string, path: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  for (const segment of segmentsOf(path)) {
    if (Array.isArray(value) && /^\d+$/.test(segment)) value = value[Number(segment)];
    else if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.hasOwn(value, segment))
      value = (value as Record<string, unknown>)[segment];
    else return undefined;
  }
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}
