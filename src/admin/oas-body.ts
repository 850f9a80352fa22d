import type { Context } from "hono";
import type { GatewayEnv } from "../chain/gateway";
import { readBounded } from "../lib/bounded-body";
import { parseJsonWithin, unstorableValue, type JsonRead } from "../lib/bounded-json";
import { fromUtf8 } from "../lib/encoding";
import { parseYamlOrJson } from "../oas/text";
import { adminBodyLimits } from "./limits";

/*
 * The body of an OAS write: Tyk reads it with an OpenAPI loader, which takes
 * JSON or YAML alike, so this does too, within the Gateway API's bounds. JSON
 * is measured before parsing; YAML (aliases capped by the parser) is measured
 * after, as its nesting cannot be read off the text.
 */

class TooLarge {}

function deeperThan(value: unknown, maxDepth: number): boolean {
  let level: unknown[] = [value];
  for (let depth = 0; level.length > 0; depth++) {
    const containers = level.filter((item): item is object => typeof item === "object" && item !== null);
    if (containers.length > 0 && depth >= maxDepth) return true;
    level = containers.flatMap((item) => Object.values(item));
  }
  return false;
}

export async function readOasBody(c: Context<GatewayEnv>): Promise<JsonRead> {
  const request = c.req.raw;
  const tooLarge: JsonRead = { ok: false, problem: { kind: "too-large" } };
  if (Number(request.headers.get("content-length")) > adminBodyLimits.maxBytes) {
    await request.body?.cancel().catch(() => undefined);
    return tooLarge;
  }
  let bytes: Uint8Array;
  try {
    bytes = await readBounded(request.body, adminBodyLimits.maxBytes, () => new TooLarge());
  } catch (error) {
    if (error instanceof TooLarge) return tooLarge;
    throw error;
  }
  return parseDefinitionText(fromUtf8(bytes));
}

/** A JSON or YAML definition within the Gateway API's nesting bound, holding nothing a store would not keep as written (kv-seed reads its YAML files with it too). */
export function parseDefinitionText(text: string): JsonRead {
  if (/^\s*[[{]/.test(text)) return parseJsonWithin(text, adminBodyLimits.maxDepth);
  const parsed = parseYamlOrJson(text);
  if (!parsed.ok) return { ok: false, problem: { kind: "syntax" } };
  if (deeperThan(parsed.value, adminBodyLimits.maxDepth)) return { ok: false, problem: { kind: "too-deep" } };
  const unstorable = unstorableValue(parsed.value);
  return unstorable ? { ok: false, problem: { kind: "value", ...unstorable } } : { ok: true, value: parsed.value };
}
