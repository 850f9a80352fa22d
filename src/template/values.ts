/*
 * The values a template works on, as Go's text/template sees the data Tyk
 * gives it (decoded JSON or mxj's XML map): strings, float64 numbers (JSON
 * has no integers), bools, nil, []interface{} and map[string]interface{}.
 * Go ints (template literals such as `1`, `len`, a range index) are bigints,
 * so printing and comparisons can tell them from float64 as Go does.
 * `undefined` is Go's invalid value: a map miss, printed "<no value>".
 */

export type GoValue = string | number | bigint | boolean | null | undefined | GoValue[] | GoMap;
export interface GoMap {
  [key: string]: GoValue;
}

/** A template could not be executed (Go's exec errors); what was written before it stays written. */
export class TemplateExecError extends Error {
  override name = "TemplateExecError";
}

export function isMap(value: GoValue): value is GoMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Go's type name of a value, as fmt's %T and error messages show it. */
export function goTypeName(value: GoValue): string {
  if (value === null || value === undefined) return "<nil>";
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "float64";
  if (typeof value === "bigint") return "int";
  if (typeof value === "boolean") return "bool";
  return Array.isArray(value) ? "[]interface {}" : "map[string]interface {}";
}

/** Go's `truth`: the zero value of any type, and the invalid value, are false. */
export function truth(value: GoValue): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === "string") return value.length > 0;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "bigint") return value !== 0n;
  if (typeof value === "boolean") return value;
  return Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0;
}

/** Map keys in Go's printing and `range` order (sorted by bytes, as Go sorts strings). */
export function sortedKeys(map: GoMap): string[] {
  return Object.keys(map).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
