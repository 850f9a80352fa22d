import { readBounded } from "../lib/bounded-body";
import { base64FromBytes, bytesFromBase64, fromUtf8, utf8 } from "../lib/encoding";
import { entryUrl } from "./key";
import { memoryEntryMaxBytes, type MemoryTier } from "./memory-tier";

/*
 * Answers kept in Cloudflare's Cache API (`caches.default`), one entry per
 * cache key under a URL of its own, with small ones also in the isolate's
 * memory (memory-tier.ts). The Cache API judges what it stores by HTTP rules
 * (it refuses a 206 or `Vary: *`, silently skips `Set-Cookie`, `private` and
 * `no-store`, and answers conditional or range requests itself), none of
 * which are Tyk's. So the stored copy is a plain 200 whose only HTTP header
 * is its lifetime (`Cache-Control: max-age`); the answer's own status and
 * headers travel as JSON in one header and are restored on a hit. The Cache
 * API keeps entries per data centre.
 */

const metaHeader = "x-portcullis-cached-answer";

interface StoredMeta {
  status: number;
  statusText: string;
  headers: [string, string][];
  /** Epoch ms the entry expires at (the Cache API's own expiry, for the memory copy). */
  expiresAt: number;
}

/** Statuses whose responses carry no body (the Response constructor refuses one). */
const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);

function parseMeta(text: string | null): StoredMeta | undefined {
  if (text === null) return undefined;
  try {
    const meta = JSON.parse(fromUtf8(bytesFromBase64(text) ?? new Uint8Array())) as StoredMeta;
    return Number.isInteger(meta.status) && Array.isArray(meta.headers) && typeof meta.expiresAt === "number" ? meta : undefined;
  } catch {
    return undefined;
  }
}

/** Base64: a header value must be Latin-1 text, and the stored headers' values may not be. */
const encodeMeta = (meta: StoredMeta): string => base64FromBytes(utf8(JSON.stringify(meta)));

/** A cached answer: its status, headers and body (bytes when it came from memory). */
export interface CachedAnswer {
  status: number;
  statusText: string;
  headers: Headers;
  body: ReadableStream<Uint8Array> | Uint8Array | null;
}

/** Names one entry: the key's text (src/cache/key.ts) and the host whose zone holds it in the Cache API. */
export interface EntryName {
  material: string;
  host: string;
}

class BodyTooLarge extends Error {
  override name = "BodyTooLarge";
}

function answerOf(meta: Omit<StoredMeta, "expiresAt">, body: CachedAnswer["body"]): CachedAnswer {
  return { status: meta.status, statusText: meta.statusText, headers: new Headers(meta.headers), body: nullBodyStatuses.has(meta.status) ? null : body };
}

export class ResponseCache {
  constructor(
    private readonly cache: Cache,
    private readonly memory: MemoryTier,
    /** Bodies over this many bytes are not stored. */
    private readonly maxBytes: number,
  ) {}

  /** The answer stored under `name`, or undefined (never stored, expired, or unreadable). */
  async lookup(name: EntryName): Promise<CachedAnswer | undefined> {
    const remembered = this.memory.get(name.material);
    if (remembered) return answerOf(remembered, remembered.body);
    const stored = await this.cache.match(await entryUrl(name.host, name.material));
    if (!stored) return undefined;
    const meta = parseMeta(stored.headers.get(metaHeader));
    if (!meta || nullBodyStatuses.has(meta.status)) {
      await stored.body?.cancel();
      return meta ? answerOf(meta, null) : undefined;
    }
    const length = stored.headers.get("content-length");
    if (length === null || Number(length) > memoryEntryMaxBytes) return answerOf(meta, stored.body);
    // Small enough for memory: the next hit in this isolate needs no Cache API call.
    const body = new Uint8Array(await stored.arrayBuffer());
    this.memory.set(name.material, { ...meta, body });
    return answerOf(meta, body);
  }

  /**
   * Stores an answer for `seconds`. The body is read first (at most `maxBytes`,
   * else nothing is stored), so a body that fails half way is never kept.
   * Resolves to false when the answer was not stored for its size.
   */
  async store(name: EntryName, answer: CachedAnswer & { body: ReadableStream<Uint8Array> | null }, seconds: number): Promise<boolean> {
    const declared = Number(answer.headers.get("content-length") ?? "0");
    if (declared > this.maxBytes) {
      await answer.body?.cancel();
      return false;
    }
    let body: Uint8Array;
    try {
      body = await readBounded(answer.body, this.maxBytes, () => new BodyTooLarge());
    } catch (error) {
      if (error instanceof BodyTooLarge) return false;
      throw error;
    }
    const meta: StoredMeta = { status: answer.status, statusText: answer.statusText, headers: [...answer.headers], expiresAt: Date.now() + seconds * 1000 };
    const headers = { "cache-control": `max-age=${seconds}`, [metaHeader]: encodeMeta(meta) };
    await this.cache.put(await entryUrl(name.host, name.material), new Response(body, { status: 200, headers }));
    this.memory.set(name.material, { ...meta, body });
    return true;
  }
}
