import { ReadThroughCache } from "../cache/read-through-cache";
import type { GatewayConfig } from "../config";
import type { Store } from "../store";
import { hashAlgorithmFor, hashKey, keyCandidates } from "./keys";
import { sessionSchema, type Session } from "./schema";

type WaitUntil = (promise: Promise<unknown>) => void;

const maxCachedSessions = 50_000;

/**
 * Sessions by key. Maps a presented key to its storage id (its hash when key
 * hashing is on) and serves sessions from the isolate cache.
 */
export class KeyStore {
  private readonly cache: ReadThroughCache<Session>;

  constructor(
    private readonly store: Store,
    private readonly config: Pick<GatewayConfig, "hashKeys" | "hashKeyFunction" | "sessionCacheMs">,
  ) {
    this.cache = new ReadThroughCache((storageId) => this.read(storageId), {
      ttlMs: config.sessionCacheMs,
      maxEntries: maxCachedSessions,
    });
  }

  /** The id a key is stored under: its hash, or the key itself when hashing is off. */
  storageId(key: string): Promise<string> | string {
    return this.config.hashKeys ? hashKey(key, hashAlgorithmFor(key, this.config.hashKeyFunction)) : key;
  }

  /** The session a request's key opens, from the isolate cache; the store is read only on a miss. */
  async lookup(key: string, orgId: string, waitUntil: WaitUntil): Promise<{ session: Session; storageId: string } | null> {
    for (const candidate of keyCandidates(key, orgId, this.config.hashKeyFunction)) {
      const storageId = await this.storageId(candidate);
      const session = await this.cache.get(storageId, waitUntil);
      if (session) return { session, storageId };
    }
    return null;
  }

  /** Reads from the store, bypassing the cache (Gateway API reads). */
  async read(storageId: string): Promise<Session | null> {
    const raw = await this.store.get("keys", storageId);
    if (raw === null) return null;
    const parsed = sessionSchema.safeParse(raw);
    if (!parsed.success) {
      console.error(JSON.stringify({ message: "stored session is invalid; treating the key as unknown", key_hash: storageId }));
      return null;
    }
    return parsed.data;
  }

  async write(storageId: string, session: Session): Promise<void> {
    await this.store.put("keys", storageId, session);
    this.cache.set(storageId, session);
  }

  async remove(storageId: string): Promise<boolean> {
    const existed = await this.store.delete("keys", storageId);
    this.cache.set(storageId, null);
    return existed;
  }
}
