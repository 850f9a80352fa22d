import { readBounded } from "./bounded-body";
import { fromUtf8 } from "./encoding";
import { nestsDeeperThan } from "./json-text";

/*
 * A JSON request body read within limits: the bytes are counted as they
 * arrive (a declared length over the limit is refused before reading), the
 * nesting is measured before anything is parsed, and the parsed value is
 * checked for what would not survive storage unchanged.
 */

export interface JsonLimits {
  maxBytes: number;
  maxDepth: number;
}

export type JsonProblem =
  | { kind: "too-large" }
  | { kind: "too-deep" }
  | { kind: "syntax" }
  /** A value that parses but cannot be stored as sent; `path` names it. */
  | { kind: "value"; path: string; message: string };

export type JsonRead = { ok: true; value: unknown } | { ok: false; problem: JsonProblem };

class TooLarge {}

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A UTF-16 string that has no UTF-8 form: JSON allows `"\ud800"`, UTF-8 (and so every store and Go) does not. */
export function hasLoneSurrogate(text: string): boolean {
  return loneSurrogate.test(text);
}

function joinPath(path: readonly string[]): string {
  return path.length === 0 ? "(the document)" : path.join(".");
}

/**
 * The first string (object keys included) with a lone surrogate, or number
 * too large for a double (JSON.parse turns 1e400 into Infinity, which
 * JSON.stringify stores as null). Depth is already bounded, so recursion is safe.
 */
export function unstorableValue(value: unknown, path: string[] = []): { path: string; message: string } | null {
  if (typeof value === "string") {
    return hasLoneSurrogate(value) ? { path: joinPath(path), message: "must be valid Unicode text (it has a lone surrogate)" } : null;
  }
  if (typeof value === "number") return Number.isFinite(value) ? null : { path: joinPath(path), message: "number out of range" };
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = unstorableValue(item, [...path, String(index)]);
      if (found) return found;
    }
    return null;
  }
  if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (hasLoneSurrogate(key)) return { path: joinPath(path), message: "has a key that is not valid Unicode text (a lone surrogate)" };
      const found = unstorableValue(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

/** Parses a JSON text that is at most `maxDepth` levels deep. */
export function parseJsonWithin(text: string, maxDepth: number): JsonRead {
  if (nestsDeeperThan(text, maxDepth)) return { ok: false, problem: { kind: "too-deep" } };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: { kind: "syntax" } };
  }
  const unstorable = unstorableValue(value);
  return unstorable ? { ok: false, problem: { kind: "value", ...unstorable } } : { ok: true, value };
}

/**
 * Reads and parses a request's JSON body within `limits`. Bytes that are not
 * UTF-8 become U+FFFD, as Go's decoder (and so Tyk) reads them.
 */
export async function readJsonWithin(request: Request, limits: JsonLimits): Promise<JsonRead> {
  const tooLarge: JsonRead = { ok: false, problem: { kind: "too-large" } };
  if (Number(request.headers.get("content-length")) > limits.maxBytes) {
    await request.body?.cancel().catch(() => undefined);
    return tooLarge;
  }
  let bytes: Uint8Array;
  try {
    bytes = await readBounded(request.body, limits.maxBytes, () => new TooLarge());
  } catch (error) {
    if (error instanceof TooLarge) return tooLarge;
    throw error;
  }
  return parseJsonWithin(fromUtf8(bytes), limits.maxDepth);
}
