import { adminHeaders, gateway } from "../../support/gateway";
import type { Finding } from "./report";
import { adminVerdict, answerOf, type Outcome } from "./verdicts";

/*
 * Gateway API calls for the fuzzers: the raw outcome (never an exception),
 * and the checks every write that succeeded must pass afterwards.
 */

/** A path segment for any id, lone surrogates included (encodeURIComponent throws on those). */
export function segment(id: string): string {
  let encoded = "";
  for (const char of id) {
    try {
      encoded += encodeURIComponent(char);
    } catch {
      encoded += `%${(char.charCodeAt(0) >> 8).toString(16).padStart(2, "0")}%${(char.charCodeAt(0) & 0xff).toString(16).padStart(2, "0")}`;
    }
  }
  return encoded;
}

export function call(method: string, path: string, body?: string, headers: Record<string, string> = adminHeaders): Promise<Outcome> {
  return answerOf(() => gateway(`/tyk${path}`, { method, headers, body }));
}

export function jsonBody(outcome: Outcome): unknown {
  if ("error" in outcome) return undefined;
  try {
    return JSON.parse(outcome.text);
  } catch {
    return undefined;
  }
}

/** JSON with object keys sorted, to compare documents whatever order a store kept them in. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_, item: unknown) =>
    typeof item === "object" && item !== null && !Array.isArray(item) ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : 1))) : item,
  );
}

const contract = (signature: string, detail: string): Finding => ({ kind: "contract", signature: `contract: ${signature}`, detail });

/**
 * After a write answered 200: the document reads back as sent (when `sent`
 * is given) and deletes with 200, leaving the store as it was.
 */
export async function readsBackAndDeletes(collection: "apis" | "policies", id: string, sent: unknown): Promise<Finding | null> {
  const path = `/${collection}/${segment(id)}`;
  const read = await call("GET", path);
  const readVerdict = adminVerdict(read, `GET /tyk/${collection}/:id`);
  if (readVerdict) return readVerdict;
  if ("error" in read || read.status !== 200)
    return contract(`a ${collection} write answered 200 but GET by its id answered ${"status" in read ? read.status : "nothing"}`, id);
  if (canonical(jsonBody(read)) !== canonical(sent)) return contract(`a stored ${collection} document does not read back as sent`, id);
  const removed = await call("DELETE", path);
  const removeVerdict = adminVerdict(removed, `DELETE /tyk/${collection}/:id`);
  if (removeVerdict) return removeVerdict;
  if ("error" in removed || removed.status !== 200) return contract(`a stored ${collection} document could not be deleted by its id`, id);
  return null;
}
