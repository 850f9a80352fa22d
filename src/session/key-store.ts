import { utf8 } from "../lib/encoding";
import { isolateLogger } from "../lib/logger";
import { LruCache } from "../lib/lru";
import { ReadThroughCache } from "../lib/read-through-cache";
import type { WaitUntil } from "../lib/wait-until";
import type { HeldSession } from "../revocation/protocol";
import type { Store } from "../store";
import { storageKey } from "../store/store";
import { hashAlgorithmFor, hashKey, keyCandidates, type HashAlgorithm, type KeyForm } from "./keys";
import { sessionSchema, type Session } from "./schema";

const maxCachedSessions = 50_000;
/** Workers KV refuses longer keys (bytes of UTF-8); the Gateway API keeps every store to the same bound. */
const maxStorageKeyBytes = 512;
const maxRememberedDigests = 50_000;
/**
 * Longer keys are hashed on every request instead of remembered: the memo holds
 * the presented text, so remembering long made-up keys would let unauthenticated
 * requests fill the isolate's memory (50,000 × 8 KB keys is ~0.9 GB). Tyk's keys
 * and tokens are under 200 characters.
 */
const longestRememberedKey = 256;
/** Presented keys whose forms (./keys.ts keyCandidates) are remembered. */
const maxRememberedLookups = 10_000;

export interface KeyStoreConfig {
  hashKeys: boolean;
  hashKeyFunction: HashAlgorithm;
  hashKeyFunctionFallback?: readonly HashAlgorithm[];
  sessionCacheMs: number;
}

/** How key changes reach every isolate within a bound (src/revocation/feed.ts); absent without the REVOCATIONS binding. */
export interface KeyChangeChannel {
  readonly boundMs: number;
  /** True: cached sessions may serve; false: none read more than `boundMs` ago; a promise while the channel is asked. */
  check(now: number, waitUntil: WaitUntil): boolean | Promise<boolean>;
  /** The session the channel holds for a key changed so recently that a store read may be stale; undefined: read the store. */
  heldSession(storageId: string): Promise<HeldSession> | undefined;
  announceKey(storageId: string, session: Session | null, expiresAt: number): Promise<void>;
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
  /** The forms a presented key may be stored under, by org and key: decoding a token cost more than proxying a cached request. */
  private readonly rememberedForms = new LruCache<string, readonly KeyForm[]>(maxRememberedLookups);

  constructor(
    private readonly store: Store,
    private readonly config: KeyStoreConfig,
    private readonly channel?: KeyChangeChannel,
  ) {
    this.cache = new ReadThroughCache((storageId) => this.fetch(storageId), {
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
    if (form.key.length > longestRememberedKey) return hashKey(form.key, form.algorithm);
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
    const maxAgeMs = await this.maxAge(waitUntil);
    for (const form of this.formsOf(key, orgId)) {
      const storageId = await this.idOf(form);
      const session = await this.cache.get(storageId, waitUntil, maxAgeMs);
      if (session) return { session, storageId, key: form.key };
    }
    return null;
  }

  /** `candidates`, remembered for keys of a real key's length: a token is decoded once per isolate, not per request. */
  private formsOf(key: string, orgId: string): readonly KeyForm[] {
    if (key.length > longestRememberedKey) return this.candidates(key, orgId);
    // Keyed by the org's length too, so no org and key pair can spell another's.
    const memo = `${orgId.length}:${orgId}${key}`;
    let forms = this.rememberedForms.peek(memo);
    if (!forms) {
      forms = this.candidates(key, orgId);
      this.rememberedForms.set(memo, forms);
    }
    return forms;
  }

  /** A session by its storage id, through the isolate cache. */
  cached(storageId: string, waitUntil: WaitUntil): Session | null | Promise<Session | null> {
    const maxAgeMs = this.maxAge(waitUntil);
    if (maxAgeMs instanceof Promise) return maxAgeMs.then((age) => this.cache.get(storageId, waitUntil, age));
    return this.cache.get(storageId, waitUntil, maxAgeMs);
  }

  /** Drops sessions the channel says changed; the next request reads them again. */
  forget(storageIds: readonly string[]): void {
    for (const storageId of storageIds) this.cache.delete(storageId);
  }

  forgetAll(): void {
    this.cache.clear();
  }

  /** Undefined while the channel vouches for the cache (or there is none); else the age past which a cached session is read again. */
  private maxAge(waitUntil: WaitUntil): number | undefined | Promise<number | undefined> {
    const channel = this.channel;
    const heard = channel?.check(Date.now(), waitUntil) ?? true;
    if (heard instanceof Promise) return heard.then((ok) => (ok ? undefined : channel!.boundMs));
    return heard ? undefined : channel!.boundMs;
  }

  /** A cache miss: the store, unless the channel holds the session of a key changed too recently for the store to be trusted. */
  private async fetch(storageId: string): Promise<Session | null> {
    const held = await this.channel?.heldSession(storageId);
    if (!held?.known) return this.read(storageId);
    if (held.body === null) return null;
    const parsed = sessionSchema.safeParse(JSON.parse(held.body));
    return parsed.success ? parsed.data : this.read(storageId);
  }

  /** Reads from the store, bypassing the cache (Gateway API reads). */
  async read(storageId: string): Promise<Session | null> {
    // With key hashing off the id is the presented key itself: one too long to be stored is unknown, not a store error.
    if (utf8(storageKey("keys", storageId)).byteLength > maxStorageKeyBytes) return null;
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
    await this.channel?.announceKey(storageId, session, ttlSeconds && ttlSeconds > 0 ? Date.now() + ttlSeconds * 1000 : 0);
  }

  async remove(storageId: string): Promise<boolean> {
    const existed = await this.store.delete("keys", storageId);
    this.cache.set(storageId, null);
    if (existed) await this.channel?.announceKey(storageId, null, 0);
    return existed;
  }
}
