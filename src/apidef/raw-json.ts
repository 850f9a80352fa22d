/*
 * Readers for a definition as raw JSON, where any value may be missing or of
 * the wrong type: the manifest and the catalogue look at what the operator
 * wrote, not at the parsed output with defaults.
 */

export type Json = Record<string, unknown>;

export function object(value: unknown): Json {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The value at a dotted path; undefined where the path leaves the objects. */
export function at(value: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((current, key) => object(current)[key], value);
}

/** Differs from Go's zero value. A struct whose fields are all zero is zero: Tyk's exports are full of them. */
export function isSet(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.values(value).some(isSet);
  return true;
}
