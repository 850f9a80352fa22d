import { parse } from "yaml";

/*
 * Definitions arrive as JSON or YAML (kv-seed files, the import endpoint).
 * JSON is tried first: it is the common case and JSON.parse is exact about it;
 * YAML 1.2 is a superset, so anything else goes to the YAML parser.
 */

export type TextParseResult = { ok: true; value: unknown } | { ok: false; error: string };

export function parseYamlOrJson(text: string): TextParseResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    // not JSON: YAML below
  }
  try {
    return { ok: true, value: parse(text, { maxAliasCount: 100 }) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
