import { KvStore } from "./kv";
import type { Store } from "./store";
import { UpstashStore } from "./upstash";

export type { DocumentKind, Store } from "./store";

/** Which backend holds the documents (TYK_GW_STORAGE_TYPE). */
export type StorageSettings = { type: "kv" } | { type: "upstash"; url: string; token: string };

export function createStore(storage: StorageSettings, bindings: { GATEWAY_KV?: KVNamespace }): Store {
  if (storage.type === "upstash") return new UpstashStore(storage);
  if (!bindings.GATEWAY_KV) throw new Error("TYK_GW_STORAGE_TYPE=kv needs the GATEWAY_KV binding in wrangler.toml");
  return new KvStore(bindings.GATEWAY_KV);
}
