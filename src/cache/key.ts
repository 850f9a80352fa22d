import { hex, utf8 } from "../lib/encoding";

/*
 * Cache keys as Tyk builds them (gateway/mw_redis_cache.go, CreateCheckSum):
 * the API id, the caller, the method, the request URL, the values of the
 * `cache_by_headers` headers, and for POST, PUT and PATCH a hash of the body
 * (or of the first match of the endpoint's `cache_key_regex` in it; no match
 * adds nothing). The caller is the key the request presented, or the client's
 * address when it presented none, so one caller never receives another's
 * cached answer. Portcullis adds the API's cache generation (moved by
 * `DELETE /tyk/cache/{api_id}`) and the version name.
 */

/** Methods whose body Tyk hashes into the key. */
const bodyHashedMethods = new Set(["POST", "PUT", "PATCH"]);

export function hashesBody(method: string): boolean {
  return bodyHashedMethods.has(method);
}

export interface KeyParts {
  apiId: string;
  /** The API's cache generation from the config snapshot ("" before any invalidation). */
  generation: string;
  version: string;
  /** The presented key's storage id, or undefined for a request without a key. */
  keyId: string | undefined;
  clientIp: string;
  method: string;
  /** Path and query as they stand after rewrites (Tyk hashes `req.URL` at this point of the chain). */
  url: string;
  /** `cache_by_headers` as `name-value` pairs, in the definition's order. */
  headers: string;
  /** The body part's digest (hex), or undefined when the body adds nothing. */
  body: string | undefined;
}

/** Tyk's `cache_by_headers` part: each listed header's name and value, a missing header counting as empty. */
export function headersPart(names: readonly string[], headers: Headers): string {
  return names.map((name) => `${name}-${headers.get(name) ?? ""}`).join("");
}

/** The bytes of the body that go into the key: all of it, the first match of `regex`, or null (no match: nothing). */
export function bodyPart(body: Uint8Array, regex: RegExp | undefined): Uint8Array | null {
  if (!regex) return body;
  const match = regex.exec(new TextDecoder().decode(body));
  return match ? utf8(match[0]) : null;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

/**
 * The key as text: the parts JSON-encoded, so no two different sets of parts
 * run together into the same text. It names the entry in the isolate's
 * memory; the Cache API gets its digest (entryUrl).
 */
export function keyMaterial(parts: KeyParts): string {
  const caller = parts.keyId === undefined ? ["ip", parts.clientIp] : ["key", parts.keyId];
  return JSON.stringify([parts.apiId, parts.generation, parts.version, ...caller, parts.method, parts.url, parts.headers, parts.body ?? null]);
}

/**
 * The entry's URL in the Cache API: under the request's own host (the zone
 * the Worker serves), on a path no API request reaches the cache with, named
 * by the key's SHA-256 digest, so no key or address appears in a cache URL.
 */
export async function entryUrl(host: string, material: string): Promise<string> {
  return `https://${host}/__portcullis-cache/${await sha256Hex(utf8(material))}`;
}
