import { generateKeyId, generateToken, hashKey } from "../../src/session/keys";
import { store } from "./gateway";

/** Stores a session the way the Gateway API does (under its SHA-256 hash) and returns the key. */
export async function createKey(session: Record<string, unknown>, key = generateToken("default", generateKeyId(), "sha256")): Promise<string> {
  await store().put("keys", await hashKey(key, "sha256"), { org_id: "default", ...session });
  return key;
}

export function accessTo(apiId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { access_rights: { [apiId]: { api_id: apiId, api_name: apiId, versions: ["Default"], ...extra } } };
}
