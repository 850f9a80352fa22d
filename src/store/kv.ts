import { configVersionKey, decodeDocument, keyPrefixes, storageKey, type DocumentKind, type PutOptions, type Store } from "./store";

const minimumKvTtlSeconds = 60;

/**
 * Workers KV backend. KV is eventually consistent across locations (a write
 * can take up to 60 s to be seen elsewhere), which bounds how fast a change
 * propagates; see the README.
 */
export class KvStore implements Store {
  constructor(private readonly kv: KVNamespace) {}

  async get(kind: DocumentKind, id: string): Promise<unknown | null> {
    const key = storageKey(kind, id);
    return decodeDocument(key, await this.kv.get(key));
  }

  async listIds(kind: DocumentKind): Promise<string[]> {
    const prefix = keyPrefixes[kind];
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.kv.list({ prefix, cursor });
      for (const key of page.keys) ids.push(key.name.slice(prefix.length));
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
    return ids;
  }

  async getAll(kind: DocumentKind): Promise<Map<string, unknown>> {
    const ids = await this.listIds(kind);
    const documents = await Promise.all(ids.map((id) => this.get(kind, id)));
    const all = new Map<string, unknown>();
    ids.forEach((id, index) => {
      if (documents[index] !== null) all.set(id, documents[index]);
    });
    return all;
  }

  /** KV refuses expirations under 60 s, so shorter lifetimes are raised to 60 s. */
  put(kind: DocumentKind, id: string, document: unknown, options: PutOptions = {}): Promise<void> {
    const ttl = options.ttlSeconds;
    const expiration = ttl !== undefined && ttl > 0 ? { expirationTtl: Math.max(ttl, minimumKvTtlSeconds) } : {};
    return this.kv.put(storageKey(kind, id), JSON.stringify(document), expiration);
  }

  async delete(kind: DocumentKind, id: string): Promise<boolean> {
    const key = storageKey(kind, id);
    if ((await this.kv.get(key)) === null) return false;
    await this.kv.delete(key);
    return true;
  }

  async getConfigVersion(): Promise<string> {
    return (await this.kv.get(configVersionKey)) ?? "0";
  }

  async bumpConfigVersion(): Promise<string> {
    // KV has no atomic increment; a timestamp plus randomness is unique per bump,
    // and isolates only compare versions for equality.
    const version = `${Date.now()}-${crypto.randomUUID().slice(0, 8)}`;
    await this.kv.put(configVersionKey, version);
    return version;
  }

  async ping(): Promise<void> {
    await this.kv.get(configVersionKey);
  }
}
