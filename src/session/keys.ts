/*
 * Tyk key formats and hashing. A key is either legacy `org_id + id` or, when a
 * hash function is configured, base64 of `{"org":"…","id":"…","h":"<algorithm>"}`
 * (so it starts with `ey`). At rest a key is stored under the hex digest of
 * the whole key string when key hashing is on.
 */

export type HashAlgorithm = "sha256";

const supportedAlgorithms: ReadonlySet<string> = new Set<HashAlgorithm>(["sha256"]);

export function generateKeyId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

/** The key string Tyk hands out for `org_id` + `id` under the given hash function. */
export function generateToken(orgId: string, id: string, algorithm: HashAlgorithm): string {
  return btoa(JSON.stringify({ org: orgId, id, h: algorithm }));
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
    const parts: unknown = JSON.parse(atob(key));
    if (typeof parts !== "object" || parts === null) return null;
    const { org, id, h } = parts as Record<string, unknown>;
    return typeof id === "string" ? { org: typeof org === "string" ? org : "", id, h: typeof h === "string" ? h : "" } : null;
  } catch {
    return null;
  }
}

/**
 * The forms a presented key may be stored under: the key itself and, for a
 * plain custom name, the token Tyk made from it for the org (Tyk's lookup order).
 */
export function keyCandidates(key: string, orgId: string, algorithm: HashAlgorithm): string[] {
  return decodeToken(key) ? [key] : [key, generateToken(orgId, key, algorithm)];
}

function toHex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The algorithm a key is hashed with: the one it names, else the gateway default. */
export function hashAlgorithmFor(key: string, fallback: HashAlgorithm): HashAlgorithm {
  const named = decodeToken(key)?.h;
  return named && supportedAlgorithms.has(named) ? (named as HashAlgorithm) : fallback;
}

const hashers: Record<HashAlgorithm, (key: string) => Promise<string>> = {
  sha256: async (key) => toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key))),
};

export function hashKey(key: string, algorithm: HashAlgorithm): Promise<string> {
  return hashers[algorithm](key);
}
