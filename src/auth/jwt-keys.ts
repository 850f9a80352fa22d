import { importJWK, importSPKI, importX509 } from "jose";
import type { ApiDefinition } from "../apidef/schema";
import type { GatewayConfig } from "../config";
import { defaultJwksOptions, JwksCache, type Jwk } from "./jwks";

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

/** Tyk defaults an unset `jwt_signing_method` to HMAC. */
export function signingFamily(definition: ApiDefinition): SigningFamily {
  return definition.jwt_signing_method || "hmac";
}

export function algorithmAllowed(family: SigningFamily, alg: unknown): alg is string {
  return typeof alg === "string" && familyAlgorithms[family].includes(alg);
}

export type KeySource = { kind: "jwks"; url: string } | { kind: "static"; material: Uint8Array } | { kind: "per-key" } | { kind: "invalid" };

const httpUrl = /^https?:\/\//i;
const strictBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const sources = new WeakMap<ApiDefinition, KeySource>();

function decodeSource(source: string): KeySource {
  if (source === "") return { kind: "per-key" };
  if (httpUrl.test(source)) return { kind: "jwks", url: source };
  if (!strictBase64.test(source)) return { kind: "invalid" };
  const material = Uint8Array.from(atob(source), (char) => char.charCodeAt(0));
  const text = new TextDecoder().decode(material);
  return httpUrl.test(text) ? { kind: "jwks", url: text.trim() } : { kind: "static", material };
}

export function keySourceOf(definition: ApiDefinition): KeySource {
  let source = sources.get(definition);
  if (!source) {
    source = decodeSource(definition.jwt_source);
    if (source.kind === "invalid") console.error(JSON.stringify({ message: "jwt_source is neither a URL nor base64", api_id: definition.api_id }));
    sources.set(definition, source);
  }
  return source;
}

const maxImportedKeys = 1000;
const importedKeys = new Map<string, Promise<VerificationKey>>();

/** HMAC secrets are used as bytes; public keys are PEM (SPKI or an X.509 certificate), imported once per algorithm. */
export function keyFromMaterial(family: SigningFamily, alg: string, material: Uint8Array): Promise<VerificationKey> {
  if (family === "hmac") return Promise.resolve(material);
  const pem = new TextDecoder().decode(material).trim();
  const cacheKey = `${alg}\u0000${pem}`;
  let key = importedKeys.get(cacheKey);
  if (!key) {
    key = pem.includes("BEGIN CERTIFICATE") ? importX509(pem, alg) : importSPKI(pem, alg);
    key.catch(() => importedKeys.delete(cacheKey));
    importedKeys.set(cacheKey, key);
    if (importedKeys.size > maxImportedKeys) importedKeys.delete(importedKeys.keys().next().value!);
  }
  return key;
}

const jwkKeys = new WeakMap<Jwk, Map<string, Promise<VerificationKey>>>();

/** A JWK imported for this algorithm; a key of the wrong type for the family never imports. */
export function keyFromJwk(family: SigningFamily, alg: string, jwk: Jwk): Promise<VerificationKey> {
  const expectedType = { hmac: "oct", rsa: "RSA", ecdsa: "EC" }[family];
  if (jwk.kty !== expectedType) return Promise.reject(new Error(`JWK ${jwk.kid ?? ""} is ${jwk.kty}, not ${expectedType}`));
  if (jwk.alg !== undefined && jwk.alg !== alg) return Promise.reject(new Error(`JWK ${jwk.kid ?? ""} is for ${jwk.alg}, not ${alg}`));
  let byAlg = jwkKeys.get(jwk);
  if (!byAlg) jwkKeys.set(jwk, (byAlg = new Map()));
  let key = byAlg.get(alg);
  if (!key) {
    key = importJWK({ ...jwk, alg }, alg) as Promise<VerificationKey>;
    byAlg.set(alg, key);
  }
  return key;
}

const jwksCaches = new WeakMap<GatewayConfig, JwksCache>();

/** One JWKS cache per gateway (isolate and environment). */
export function jwksCacheFor(config: GatewayConfig): JwksCache {
  let cache = jwksCaches.get(config);
  if (!cache) {
    cache = new JwksCache({ ...defaultJwksOptions, refreshCooldownMs: config.jwksRefreshCooldownMs });
    jwksCaches.set(config, cache);
  }
  return cache;
}
