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

  get(id: string, waitUntil: WaitUntil): T | null | Promise<T | null> {
    const entry = this.entries.peek(id);
    if (entry) {
      const age = Date.now() - entry.fetchedAt;
      if (age < this.options.ttlMs) return entry.value;
      if (age < 2 * this.options.ttlMs && entry.value !== null) {
        if (!this.inflight.has(id)) waitUntil(this.refresh(id).catch(() => undefined));
        return entry.value;
      }
    }
    return this.refresh(id);
  }

  set(id: string, value: T | null): void {
    this.entries.set(id, { value, fetchedAt: Date.now() });
  }

  private refresh(id: string): Promise<T | null> {
    let pending = this.inflight.get(id);
    if (!pending) {
      const before = this.entries.peek(id);
      pending = this.fetch(id)
        .then((value) => {
          // A write made on this isolate while the read was in flight wins over the read.
          if (this.entries.peek(id) === before) this.set(id, value);
          return value;
        })
        .finally(() => this.inflight.delete(id));
      this.inflight.set(id, pending);
    }
    return pending;
  }
}
