import { hashAlgorithmFor, hashKey } from "../src/session/keys";
import { configVersionKey, storageKey } from "../src/store/store";
import type { SeedSet } from "./read";
import type { SeedSettings } from "./settings";

/** One store write: the shared storage key and the JSON text of the document. */
export interface SeedEntry {
  key: string;
  value: string;
}

/** The storage id of a key: its hash when hashing is on, as the gateway looks it up. */
function keyStorageId(key: string, settings: Pick<SeedSettings, "hashKeys" | "hashKeyFunction">): Promise<string> | string {
  return settings.hashKeys ? hashKey(key, hashAlgorithmFor(key, settings.hashKeyFunction)) : key;
}

/** Every document write, in directory order: APIs, then policies, then keys. */
export async function planEntries(seed: SeedSet, settings: Pick<SeedSettings, "hashKeys" | "hashKeyFunction">): Promise<SeedEntry[]> {
  const keys = await Promise.all(
    seed.keys.map(async (key) => ({
      key: storageKey("keys", key.hashed ? key.id : await keyStorageId(key.id, settings)),
      value: JSON.stringify(key.document),
    })),
  );
  return [
    ...seed.apis.map((api) => ({ key: storageKey("apis", api.id), value: JSON.stringify(api.document) })),
    ...seed.policies.map((policy) => ({ key: storageKey("policies", policy.id), value: JSON.stringify(policy.document) })),
    ...keys,
  ];
}

/**
 * A new config version, so running gateways reload within their check
 * interval. Isolates compare versions for equality only, so a timestamp is enough.
 */
export function configVersionEntry(now = Date.now()): SeedEntry {
  return { key: configVersionKey, value: `${now}-seed` };
}
