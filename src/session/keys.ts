import { base64FromText, fromUtf8, hex, utf8 } from "../lib/encoding";
import { murmur128Hex, murmur32Hex, murmur64Hex } from "./murmur";

/*
 * Tyk key formats and hashing. A key is either legacy `org_id + id` or, when a
 * hash function is configured, base64 of `{"org":"…","id":"…","h":"<algorithm>"}`
 * (so it starts with `ey`). At rest a key is stored under the hex digest of
 * the whole key string when key hashing is on.
 */

export const hashAlgorithms = ["sha256", "murmur32", "murmur64", "murmur128"] as const;
export type HashAlgorithm = (typeof hashAlgorithms)[number];

const supportedAlgorithms: ReadonlySet<string> = new Set<string>(hashAlgorithms);

export function isHashAlgorithm(name: string): name is HashAlgorithm {
  return supportedAlgorithms.has(name);
}

/** Tyk hashes a key that names an unknown algorithm with murmur64 (internal/crypto/hash.go). */
const unknownAlgorithmFallback: HashAlgorithm = "murmur64";

export function generateKeyId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

/** The key string Tyk hands out for `org_id` + `id` under the given hash function. */
export function generateToken(orgId: string, id: string, algorithm: HashAlgorithm): string {
  return base64FromText(JSON.stringify({ org: orgId, id, h: algorithm }));
}

interface TokenParts {
  org: string;
  id: string;
  h: string;
}

/** Decodes a base64-JSON key; null for legacy keys and anything else. */
export function decodeToken(key: string): TokenParts | null {
  if (!key.startsWith("ey")) return null;
  try {
    const parts: unknown = JSON.parse(fromUtf8(Uint8Array.from(atob(key), (char) => char.charCodeAt(0))));
    if (typeof parts !== "object" || parts === null) return null;
    const { org, id, h } = parts as Record<string, unknown>;
    return typeof id === "string" ? { org: typeof org === "string" ? org : "", id, h: typeof h === "string" ? h : "" } : null;
  } catch {
    return null;
  }
}

/** A form a presented key may be stored under, and the algorithm that form is hashed with. */
export interface KeyForm {
  key: string;
  algorithm: HashAlgorithm;
}

/**
 * The forms a presented key may be stored under, in lookup order. A token is
 * only itself. A plain custom name is the name itself and the token Tyk made
 * from it for the org, under the current hash function and then each fallback
 * (`hash_key_function_fallback`, for gateways that changed their function).
 * Tyk hashes plain (legacy) keys with murmur32; here they are hashed with the
 * current function and the fallbacks, so list `murmur32` as a fallback to reach
 * legacy keys migrated from Tyk.
 */
export function keyCandidates(key: string, orgId: string, primary: HashAlgorithm, fallbacks: readonly HashAlgorithm[] = []): KeyForm[] {
  if (decodeToken(key)) return [{ key, algorithm: hashAlgorithmFor(key, primary) }];
  const algorithms = [...new Set([primary, ...fallbacks])];
  return [...algorithms.map((algorithm) => ({ key, algorithm })), ...algorithms.map((algorithm) => ({ key: generateToken(orgId, key, algorithm), algorithm }))];
}

/** The algorithm a key is hashed with: the one it names (murmur64 for an unknown name, as Tyk), else the gateway default. */
export function hashAlgorithmFor(key: string, fallback: HashAlgorithm): HashAlgorithm {
  const named = decodeToken(key)?.h;
  if (!named) return fallback;
  return isHashAlgorithm(named) ? named : unknownAlgorithmFallback;
}

const hashers: Record<HashAlgorithm, (key: string) => Promise<string> | string> = {
  sha256: async (key) => hex(await crypto.subtle.digest("SHA-256", utf8(key))),
  murmur32: murmur32Hex,
  murmur64: murmur64Hex,
  murmur128: murmur128Hex,
};

/** Lower-case hex digest, as Tyk stores it; murmur digests are computed synchronously. */
export function hashKey(key: string, algorithm: HashAlgorithm): Promise<string> | string {
  return hashers[algorithm](key);
}
