import { KvStore } from "./kv";
import { LazyStore } from "./lazy";
import type { Store } from "./store";

export type { DocumentKind, Store } from "./store";

/** Which backend holds the documents (TYK_GW_STORAGE_TYPE). */
export type StorageSettings = { type: "kv" } | { type: "upstash"; url: string; token: string };

export function createStore(storage: StorageSettings, bindings: { GATEWAY_KV?: KVNamespace }): Store {
  if (storage.type === "upstash") return new LazyStore(() => import("./upstash").then(({ UpstashStore }) => new UpstashStore(storage)));
  if (!bindings.GATEWAY_KV) throw new Error("TYK_GW_STORAGE_TYPE=kv needs the GATEWAY_KV binding in wrangler.toml");
  return new KvStore(bindings.GATEWAY_KV);
}
