import { isolateLogger } from "../lib/logger";

/**
 * The one storage interface the gateway, the Gateway API and kv-seed use.
 * Backends hold JSON documents by kind and id; validation happens above them.
 */
export type DocumentKind = "apis" | "policies" | "keys" | "certs" | "oauth-clients" | "cache-generations";

export interface PutOptions {
  ttlSeconds?: number;
}

export interface Store {
  get(kind: DocumentKind, id: string): Promise<unknown | null>;
  /** Every document of a kind, keyed by id. Used at reload time, never per request. */
  getAll(kind: DocumentKind): Promise<Map<string, unknown>>;
  listIds(kind: DocumentKind): Promise<string[]>;
  /** With `ttlSeconds` the document expires by itself (a key's session lifetime). */
  put(kind: DocumentKind, id: string, document: unknown, options?: PutOptions): Promise<void>;
  /** Resolves to false when there was nothing to delete. */
  delete(kind: DocumentKind, id: string): Promise<boolean>;
  /** Monotonic version of APIs + policies; `/tyk/reload` bumps it, isolates poll it. */
  getConfigVersion(): Promise<string>;
  bumpConfigVersion(): Promise<string>;
  /** Cheap round trip used by the health check. */
  ping(): Promise<void>;
}

/**
 * Storage key layout shared by both backends (and kv-seed). Keys use Tyk's
 * Redis prefix `apikey-` so an operator reading Redis finds familiar names.
 */
export const keyPrefixes: Record<DocumentKind, string> = {
  apis: "tyk-api:",
  policies: "tyk-policy:",
  keys: "apikey-",
  // Tyk keeps certificates under `cert-raw-<id>`.
  certs: "cert-raw-",
  // Tyk keeps OAuth clients under `oauth-data.<api_id>.oauth-clientid.<client_id>`; ids here are `<api_id>.<client_id>`.
  "oauth-clients": "oauth-clientid.",
  // Each API's response cache generation (src/cache/generations.ts); Tyk has none, its cache lives in Redis.
  "cache-generations": "portcullis:cache-generation:",
};

export const configVersionKey = "portcullis:config-version";

export function storageKey(kind: DocumentKind, id: string): string {
  return keyPrefixes[kind] + id;
}

/**
 * Parses a stored document. A value that is not JSON is logged and read as
 * absent, so one corrupt entry never takes a reload (or a request) down.
 */
export function decodeDocument(key: string, raw: string | null): unknown | null {
  if (raw === null) return null;
  try {
    return JSON.parse(raw);
  } catch {
    isolateLogger.error("stored value is not JSON; ignoring it", { key });
    return null;
  }
}
