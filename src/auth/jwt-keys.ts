import { importJWK, importSPKI, importX509 } from "jose";
import { bytesFromBase64, fromUtf8 } from "../lib/encoding";
import type { LruCache } from "../lib/lru";
import type { Jwk } from "./jwks";

/*
 * Where a JWT's verification key comes from (Tyk's getSecretToVerifySignature):
 * `jwt_source` is a JWKS URL, or base64 of either a JWKS URL, the HMAC secret
 * or a PEM public key / certificate; without `jwt_source` each key carries its
 * own secret in `jwt_data.secret`. The signing method fixes the algorithm
 * family before any key is touched, which is what stops alg "none" and the
 * HMAC-with-an-RSA-public-key confusion.
 */

export type SigningFamily = "hmac" | "rsa" | "ecdsa";
export type VerificationKey = CryptoKey | Uint8Array;

const familyAlgorithms: Record<SigningFamily, readonly string[]> = {
  hmac: ["HS256", "HS384", "HS512"],
  rsa: ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"],
  ecdsa: ["ES256", "ES384", "ES512"],
};

export function algorithmAllowed(family: SigningFamily, alg: unknown): alg is string {
  return typeof alg === "string" && familyAlgorithms[family].includes(alg);
}

export type KeySource = { kind: "jwks"; url: string } | { kind: "static"; material: Uint8Array } | { kind: "per-key" } | { kind: "invalid" };

const httpUrl = /^https?:\/\//i;

/** Decoded once per config snapshot, when the API compiles. */
export function decodeKeySource(source: string): KeySource {
  if (source === "") return { kind: "per-key" };
  if (httpUrl.test(source)) return { kind: "jwks", url: source };
  const material = bytesFromBase64(source);
  if (!material) return { kind: "invalid" };
  const text = fromUtf8(material);
  return httpUrl.test(text) ? { kind: "jwks", url: text.trim() } : { kind: "static", material };
}

const hmacHashes: Record<string, string> = { HS256: "SHA-256", HS384: "SHA-384", HS512: "SHA-512" };

/** The secret as a cache key: one character per byte, so any bytes (not only UTF-8) map one to one. */
function byteString(material: Uint8Array): string {
  let text = "";
  for (let start = 0; start < material.length; start += 8192) text += String.fromCharCode(...material.subarray(start, start + 8192));
  return text;
}

function importHmac(alg: string, material: Uint8Array): Promise<VerificationKey> {
  const hash = hmacHashes[alg];
  // An empty secret cannot be imported; jose refuses the bytes the same way.
  if (!hash || material.length === 0) return Promise.resolve(material);
  return crypto.subtle.importKey("raw", material, { name: "HMAC", hash }, false, ["verify"]);
}

/**
 * HMAC secrets and PEM public keys (SPKI or an X.509 certificate), imported
 * once per algorithm: jose would import raw HMAC bytes again on every verify.
 */
export function keyFromMaterial(
  family: SigningFamily,
  alg: string,
  material: Uint8Array,
  imported: LruCache<string, Promise<VerificationKey>>,
): Promise<VerificationKey> {
  const pem = family === "hmac" ? "" : fromUtf8(material).trim();
  const cacheKey = family === "hmac" ? `hmac\u0000${alg}\u0000${byteString(material)}` : `${alg}\u0000${pem}`;
  let key = imported.get(cacheKey);
  if (!key) {
    if (family === "hmac") key = importHmac(alg, material);
    else key = pem.includes("BEGIN CERTIFICATE") ? importX509(pem, alg) : importSPKI(pem, alg);
    key.catch(() => imported.delete(cacheKey));
    imported.set(cacheKey, key);
  }
  return key;
}

/** A JWK imported for this algorithm; a key of the wrong type for the family never imports. */
export function keyFromJwk(
  family: SigningFamily,
  alg: string,
  jwk: Jwk,
  imported: WeakMap<Jwk, Map<string, Promise<VerificationKey>>>,
): Promise<VerificationKey> {
  const expectedType = { hmac: "oct", rsa: "RSA", ecdsa: "EC" }[family];
  if (jwk.kty !== expectedType) return Promise.reject(new Error(`JWK ${jwk.kid ?? ""} is ${jwk.kty}, not ${expectedType}`));
  if (jwk.alg !== undefined && jwk.alg !== alg) return Promise.reject(new Error(`JWK ${jwk.kid ?? ""} is for ${jwk.alg}, not ${alg}`));
  let byAlg = imported.get(jwk);
  if (!byAlg) {
    byAlg = new Map();
    imported.set(jwk, byAlg);
  }
  let key = byAlg.get(alg);
  if (!key) {
    key = importJWK({ ...jwk, alg }, alg) as Promise<VerificationKey>;
    byAlg.set(alg, key);
  }
  return key;
}
