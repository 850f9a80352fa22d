import { isolateLogger } from "../lib/logger";
import { ReadThroughCache } from "../lib/read-through-cache";
import type { WaitUntil } from "../lib/wait-until";
import type { Store } from "../store";
import { certificateFromDocument, type StoredCertificate } from "./certificate";

/**
 * The isolate's view of the certificate store, read through per certificate
 * id. Ids are content addresses (org id + SHA-256 of the certificate), so an
 * entry can only go stale by the certificate being added or deleted: this
 * isolate's Gateway API updates its own entries at once, other isolates see
 * the change within twice `ttlMs`. Requests never wait on the store for a
 * certificate they have seen in the last `ttlMs`.
 */
export class CertificateCache {
  private readonly entries: ReadThroughCache<StoredCertificate>;

  constructor(store: Store, options: { ttlMs: number; maxEntries: number } = defaultCertificateCacheOptions) {
    this.entries = new ReadThroughCache(async (id) => {
      const document = await store.get("certs", id);
      if (document === null) return null;
      const certificate = await certificateFromDocument(id, document);
      if (!certificate) isolateLogger.error("stored certificate does not parse or does not match its id; ignoring it", { certificate_id: id });
      return certificate;
    }, options);
  }

  get(id: string, waitUntil: WaitUntil): StoredCertificate | null | Promise<StoredCertificate | null> {
    return this.entries.get(id, waitUntil);
  }

  /** After this isolate's Gateway API added (certificate) or deleted (null) one. */
  remember(id: string, certificate: StoredCertificate | null): void {
    this.entries.delete(id);
    this.entries.set(id, certificate);
  }
}

/**
 * Tyk's certificate manager caches parsed certificates for 5 minutes. Here an
 * entry is refreshed after 30 s and never served past 60 s (twice the TTL), so a
 * deletion reaches every isolate within a minute.
 */
export const defaultCertificateCacheOptions = { ttlMs: 30_000, maxEntries: 1_000 };
