import { LruCache } from "./lru";
import type { WaitUntil } from "./wait-until";

interface Entry<T> {
  value: T | null;
  fetchedAt: number;
}

/**
 * Per-isolate cache of documents by id, with negative caching and one store
 * read per id however many requests miss at once. An entry older than the TTL
 * is still served once while a background read refreshes it; an entry older
 * than twice the TTL is not served at all.
 */
export class ReadThroughCache<T> {
  private readonly entries: LruCache<string, Entry<T>>;
  private readonly inflight = new Map<string, Promise<T | null>>();

  constructor(
    private readonly fetch: (id: string) => Promise<T | null>,
    private readonly options: { ttlMs: number; maxEntries: number },
  ) {
    this.entries = new LruCache(options.maxEntries);
  }

  /** `maxAgeMs`: serve nothing read longer ago than this, whatever the TTL. */
  get(id: string, waitUntil: WaitUntil, maxAgeMs = Number.POSITIVE_INFINITY): T | null | Promise<T | null> {
    const entry = this.entries.peek(id);
    if (entry) {
      const age = Date.now() - entry.fetchedAt;
      if (age < Math.min(this.options.ttlMs, maxAgeMs)) return entry.value;
      if (age < Math.min(2 * this.options.ttlMs, maxAgeMs) && entry.value !== null) {
        if (!this.inflight.has(id)) waitUntil(this.refresh(id).catch(() => undefined));
        return entry.value;
      }
    }
    return this.refresh(id);
  }

  set(id: string, value: T | null): void {
    this.entries.set(id, { value, fetchedAt: Date.now() });
  }

  /** Forgets an entry, and what a read in flight for it brings back, which may predate the change that made the caller forget it. */
  delete(id: string): void {
    this.entries.delete(id);
    this.inflight.delete(id);
  }

  clear(): void {
    this.entries.clear();
    this.inflight.clear();
  }

  private refresh(id: string): Promise<T | null> {
    let pending = this.inflight.get(id);
    if (!pending) {
      const before = this.entries.peek(id);
      pending = this.fetch(id)
        .then((value) => {
          // A write made on this isolate while the read was in flight wins over the read; a forgotten read is not kept.
          if (this.inflight.get(id) === pending && this.entries.peek(id) === before) this.set(id, value);
          return value;
        })
        .finally(() => {
          if (this.inflight.get(id) === pending) this.inflight.delete(id);
        });
      this.inflight.set(id, pending);
    }
    return pending;
  }
}
