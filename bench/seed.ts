import { createHash, randomUUID } from "node:crypto";
import { configVersionKey, storageKey } from "../src/store/store";
import type { StoreSeed } from "./contestants";

/*
 * What the bench stores in GATEWAY_KV, written straight into Miniflare's KV in
 * the store layout (the Gateway API and kv-seed write the same keys).
 */

export const keylessApiId = "bench-keyless";
export const authApiId = "bench-auth";
export const keylessListenPath = "/keyless";
export const authListenPath = "/auth";
export const routeTableSize = 100;

function apiDefinition(apiId: string, listenPath: string, upstreamOrigin: string, keyless: boolean): Record<string, unknown> {
  return {
    api_id: apiId,
    name: apiId,
    org_id: "default",
    active: true,
    use_keyless: keyless,
    use_standard_auth: !keyless,
    auth: { auth_header_name: "Authorization" },
    version_data: { not_versioned: true, versions: { Default: { name: "Default" } } },
    proxy: { listen_path: `${listenPath}/`, target_url: upstreamOrigin, strip_listen_path: true },
  };
}

function entry(kind: "apis" | "keys", id: string, document: unknown): [string, string] {
  return [storageKey(kind, id), JSON.stringify(document)];
}

/** A key as Tyk issues it with a hash function set: base64 of `{"org","id","h"}`. */
function tykKey(orgId: string): string {
  return Buffer.from(JSON.stringify({ org: orgId, id: randomUUID().replaceAll("-", ""), h: "sha256" })).toString("base64");
}

const sha256Hex = (value: string) => createHash("sha256").update(value).digest("hex");

export interface GatewaySeed {
  entries: StoreSeed;
  /** The key string a client sends in `Authorization` (a Tyk-format key, stored under its SHA-256). */
  authKey: string;
}

/** A keyless API and an auth-token API with one key that may use it. */
export function basicSeed(upstreamOrigin: string): GatewaySeed {
  const authKey = tykKey("default");
  const session = { org_id: "default", access_rights: { [authApiId]: { api_id: authApiId, versions: ["Default"] } } };
  return {
    authKey,
    entries: [
      entry("apis", keylessApiId, apiDefinition(keylessApiId, keylessListenPath, upstreamOrigin, true)),
      entry("apis", authApiId, apiDefinition(authApiId, authListenPath, upstreamOrigin, false)),
      entry("keys", sha256Hex(authKey), session),
      [configVersionKey, "bench-1"],
    ],
  };
}

export function routeListenPath(index: number): string {
  return `/route-${String(index).padStart(3, "0")}`;
}

/** `routeTableSize` keyless APIs on distinct listen paths; requests go to the one in the middle. */
export function routeTableSeed(upstreamOrigin: string): { entries: StoreSeed; middlePath: string } {
  const entries: StoreSeed = [[configVersionKey, "bench-1"]];
  for (let index = 0; index < routeTableSize; index++) {
    const apiId = `bench-route-${String(index).padStart(3, "0")}`;
    entries.push(entry("apis", apiId, apiDefinition(apiId, routeListenPath(index), upstreamOrigin, true)));
  }
  return { entries, middlePath: routeListenPath(routeTableSize / 2) };
}
