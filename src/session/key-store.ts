import { isolateLogger } from "../lib/logger";
import { LruCache } from "../lib/lru";
import { ReadThroughCache } from "../lib/read-through-cache";
import type { WaitUntil } from "../lib/wait-until";
import type { Store } from "../store";
import { hashAlgorithmFor, hashKey, keyCandidates, type HashAlgorithm, type KeyForm } from "./keys";
import { sessionSchema, type Session } from "./schema";

const maxCachedSessions = 50_000;
const maxRememberedDigests = 50_000;

export interface KeyStoreConfig {
  hashKeys: boolean;
  hashKeyFunction: HashAlgorithm;
  hashKeyFunctionFallback?: readonly HashAlgorithm[];
  sessionCacheMs: number;
}

export interface FoundSession {
  session: Session;
  storageId: string;
  /** The form of the key the session is stored under (the token for a custom key). */
  key: string;
}

/**
 * Sessions by key. Maps a presented key to its storage id (its hash when key
 * hashing is on) and serves sessions from the isolate cache.
 */
export class KeyStore {
  private readonly cache: ReadThroughCache<Session>;
  /** Digests of keys seen on this isolate: hashing is a tenth of an authenticated request's CPU. */
  private readonly digests = new LruCache<string, string>(maxRememberedDigests);

  constructor(
    private readonly store: Store,
    private readonly config: KeyStoreConfig,
  ) {
    this.cache = new ReadThroughCache((storageId) => this.read(storageId), {
      ttlMs: config.sessionCacheMs,
      maxEntries: maxCachedSessions,
    });
  }

  /** The id a key is stored under: its hash, or the key itself when hashing is off. */
  storageId(key: string): Promise<string> | string {
    return this.idOf({ key, algorithm: hashAlgorithmFor(key, this.config.hashKeyFunction) });
  }

  /** The forms a presented key may be stored under, current hash function first, then the fallbacks. */
  candidates(key: string, orgId: string): KeyForm[] {
    const forms = keyCandidates(key, orgId, this.config.hashKeyFunction, this.config.hashKeyFunctionFallback ?? []);
    if (this.config.hashKeys) return forms;
    const unique = new Map(forms.map((form) => [form.key, form]));
    return [...unique.values()];
  }

  idOf(form: KeyForm): Promise<string> | string {
    if (!this.config.hashKeys) return form.key;
    const memo = `${form.algorithm}:${form.key}`;
    const known = this.digests.peek(memo);
    if (known !== undefined) return known;
    const remember = (digest: string) => {
      this.digests.set(memo, digest);
      return digest;
    };
    const digest = hashKey(form.key, form.algorithm);
    return typeof digest === "string" ? remember(digest) : digest.then(remember);
  }

  /** The session a request's key opens, from the isolate cache; the store is read only on a miss. */
  async lookup(key: string, orgId: string, waitUntil: WaitUntil): Promise<FoundSession | null> {
    for (const form of this.candidates(key, orgId)) {
      const storageId = await this.idOf(form);
      const session = await this.cache.get(storageId, waitUntil);
      if (session) return { session, storageId, key: form.key };
    }
    return null;
  }

  /** A session by its storage id, through the isolate cache. */
  cached(storageId: string, waitUntil: WaitUntil): Session | null | Promise<Session | null> {
    return this.cache.get(storageId, waitUntil);
  }

  /** Reads from the store, bypassing the cache (Gateway API reads). */
  async read(storageId: string): Promise<Session | null> {
    const raw = await this.store.get("keys", storageId);
    if (raw === null) return null;
    const parsed = sessionSchema.safeParse(raw);
    if (!parsed.success) {
      isolateLogger.error("stored session is invalid; treating the key as unknown", { key_hash: storageId });
      return null;
    }
    return parsed.data;
  }

  /** Stores the session; with `ttlSeconds` the store drops it after that long (session lifetime). */
  async write(storageId: string, session: Session, ttlSeconds?: number): Promise<void> {
    await this.store.put("keys", storageId, session, ttlSeconds === undefined ? undefined : { ttlSeconds });
    this.cache.set(storageId, session);
  }

  async remove(storageId: string): Promise<boolean> {
    const existed = await this.store.delete("keys", storageId);
    this.cache.set(storageId, null);
    return existed;
  }
}
