import { Redis } from "@upstash/redis/cloudflare";
import { configVersionKey, decodeDocument, keyPrefixes, storageKey, type DocumentKind, type PutOptions, type Store } from "./store";

const scanPageSize = 1000;
const mgetChunkSize = 100;

/** Upstash Redis backend over its REST API: strongly consistent, so changes propagate within one poll. */
export class UpstashStore implements Store {
  private readonly redis: Redis;

  constructor(options: { url: string; token: string }) {
    this.redis = new Redis({
      url: options.url,
      token: options.token,
      automaticDeserialization: false,
      enableTelemetry: false,
      retry: { retries: 2, backoff: (attempt) => 50 * 2 ** attempt },
    });
  }

  async get(kind: DocumentKind, id: string): Promise<unknown | null> {
    const key = storageKey(kind, id);
    return decodeDocument(key, await this.redis.get<string>(key));
  }

  async listIds(kind: DocumentKind): Promise<string[]> {
    const prefix = keyPrefixes[kind];
    const ids: string[] = [];
    let cursor = "0";
    do {
      const [next, keys] = await this.redis.scan(cursor, { match: `${prefix}*`, count: scanPageSize });
      for (const key of keys) ids.push(key.slice(prefix.length));
      cursor = String(next);
    } while (cursor !== "0");
    return [...new Set(ids)];
  }

  async getAll(kind: DocumentKind): Promise<Map<string, unknown>> {
    const ids = await this.listIds(kind);
    const all = new Map<string, unknown>();
    for (let start = 0; start < ids.length; start += mgetChunkSize) {
      const chunk = ids.slice(start, start + mgetChunkSize);
      const values = await this.redis.mget<(string | null)[]>(...chunk.map((id) => storageKey(kind, id)));
      chunk.forEach((id, index) => {
        const document = decodeDocument(storageKey(kind, id), values[index] ?? null);
        if (document !== null) all.set(id, document);
      });
    }
    return all;
  }

  async put(kind: DocumentKind, id: string, document: unknown, options: PutOptions = {}): Promise<void> {
    const ttl = options.ttlSeconds;
    const value = JSON.stringify(document);
    if (ttl !== undefined && ttl > 0) await this.redis.set(storageKey(kind, id), value, { ex: Math.ceil(ttl) });
    else await this.redis.set(storageKey(kind, id), value);
  }

  async delete(kind: DocumentKind, id: string): Promise<boolean> {
    return (await this.redis.del(storageKey(kind, id))) > 0;
  }

  async getConfigVersion(): Promise<string> {
    return (await this.redis.get<string>(configVersionKey)) ?? "0";
  }

  async bumpConfigVersion(): Promise<string> {
    return String(await this.redis.incr(configVersionKey));
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }
}
