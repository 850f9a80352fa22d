import { compactVerify, decodeProtectedHeader, type ProtectedHeaderParameters } from "jose";
import { bytesFromBase64, bytesFromBase64Url, fromUtf8 } from "../lib/encoding";
import { ownClaim, parseClaims, timeClaimsError, type Claims } from "./jwt-claims";
import { algorithmAllowed, keyFromJwk, type SigningFamily, type VerificationKey } from "./jwt-keys";
import type { LruCache } from "../lib/lru";
import type { Jwk, JwksCache } from "./jwks";
import type { OidcDiscovery } from "./oidc-discovery";

/*
 * Verifying an OpenID Connect ID token as Tyk's OpenIDMW (with openid2go)
 * does: the unverified `iss` must be a configured provider and `aud` one of
 * its client ids; the key is the provider's JWK named by the token's `kid`
 * (discovery → jwks_uri, an unknown kid refetching the set once); the
 * signature must be RSA or ECDSA; exp / iat / nbf hold without skew; and the
 * user is `sub`. The first client id of `aud` the provider knows picks the policy.
 */

/** Issuer → client id → policy id, with the client ids decoded from Tyk's base64 map keys. */
export type OidcProviders = ReadonlyMap<string, ReadonlyMap<string, string>>;

export interface ProviderEntry {
  issuer: string;
  client_ids: Record<string, string>;
}

/** Providers with one issuer are merged; client ids that are not base64 are left out and returned for the log. */
export function decodeProviders(entries: readonly ProviderEntry[]): { providers: OidcProviders; invalid: string[] } {
  const providers = new Map<string, Map<string, string>>();
  const invalid: string[] = [];
  for (const { issuer, client_ids } of entries) {
    const clients = providers.get(issuer) ?? new Map<string, string>();
    providers.set(issuer, clients);
    for (const [encoded, policyId] of Object.entries(client_ids)) {
      const decoded = bytesFromBase64(encoded);
      if (decoded) clients.set(fromUtf8(decoded), policyId);
      else invalid.push(encoded);
    }
  }
  return { providers, invalid };
}

export class IdTokenError extends Error {
  override name = "IdTokenError";
}

export interface VerifiedIdToken {
  header: ProtectedHeaderParameters;
  claims: Claims;
  issuer: string;
  clientId: string;
  policyId: string;
  subject: string;
}

const refuse = (reason: string) => new IdTokenError(reason);

/** The first audience the provider has a client id for. */
function clientOf(clients: ReadonlyMap<string, string>, aud: unknown): { clientId: string; policyId: string } {
  const audiences = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud : [];
  for (const audience of audiences) {
    const policyId = typeof audience === "string" ? clients.get(audience) : undefined;
    if (policyId !== undefined) return { clientId: audience as string, policyId };
  }
  throw new IdTokenError("no audience is a client id of the issuer");
}

function familyOf(alg: unknown): { family: SigningFamily; alg: string } {
  for (const family of ["rsa", "ecdsa"] as const) if (algorithmAllowed(family, alg)) return { family, alg };
  throw new IdTokenError(`signing algorithm ${String(alg)} is not RSA or ECDSA`);
}

/** A token whose signature verified, with the very JWK object it verified against. */
export interface VerifiedSignature {
  header: ProtectedHeaderParameters;
  claims: Claims;
  jwk: Jwk;
}

/** Tokens longer than this are verified every time, so the cache stays small. */
export const cacheableTokenLength = 4096;

export interface IdTokenVerifier {
  providers: OidcProviders;
  discovery: OidcDiscovery;
  jwks: JwksCache;
  /**
   * Verified tokens by their text. A hit skips only the signature check, and
   * only while the provider still serves the same JWK object: a refreshed or
   * rotated key set makes every entry miss. Time claims, issuer and audience
   * are checked on every request.
   */
  verified: LruCache<string, VerifiedSignature>;
}

function parseHeader(token: string): ProtectedHeaderParameters {
  try {
    return decodeProtectedHeader(token);
  } catch {
    throw new IdTokenError("not a JWS");
  }
}

async function verifySignature(token: string, family: SigningFamily, alg: string, jwk: Jwk, verifier: IdTokenVerifier): Promise<Claims> {
  let key: VerificationKey;
  try {
    key = await keyFromJwk(family, alg, jwk, verifier.jwks.importedKeys);
  } catch (error) {
    throw new IdTokenError(error instanceof Error ? error.message : "the key does not import");
  }
  try {
    return parseClaims((await compactVerify(token, key, { algorithms: [alg] })).payload, refuse);
  } catch (error) {
    throw error instanceof IdTokenError ? error : new IdTokenError("the signature does not verify");
  }
}

export async function verifyIdToken(token: string, verifier: IdTokenVerifier, nowSeconds = Date.now() / 1000): Promise<VerifiedIdToken> {
  const cached = verifier.verified.get(token);
  const header = cached?.header ?? parseHeader(token);
  const { family, alg } = familyOf(header.alg);
  if (typeof header.kid !== "string") throw new IdTokenError("the header has no kid");
  const unverified = cached?.claims ?? parseClaims(bytesFromBase64Url(token.split(".")[1] ?? "") ?? new Uint8Array(), refuse);
  const issuer = ownClaim(unverified, "iss");
  const clients = typeof issuer === "string" ? verifier.providers.get(issuer) : undefined;
  if (!clients || typeof issuer !== "string") throw new IdTokenError("the issuer is not a configured provider");
  clientOf(clients, ownClaim(unverified, "aud"));

  const jwksUri = await verifier.discovery.jwksUri(issuer);
  const jwk = await verifier.jwks.key(jwksUri, header.kid);
  if (!jwk) throw new IdTokenError(`the provider has no key ${header.kid}`);
  // Only the verified payload counts from here on.
  let claims: Claims;
  if (cached?.jwk === jwk) claims = cached.claims;
  else {
    claims = await verifySignature(token, family, alg, jwk, verifier);
    if (token.length <= cacheableTokenLength) verifier.verified.set(token, { header, claims, jwk });
  }
  const timeError = timeClaimsError(claims, { expiresAt: 0, issuedAt: 0, notBefore: 0 }, nowSeconds);
  if (timeError) throw new IdTokenError(timeError);
  if (ownClaim(claims, "iss") !== issuer) throw new IdTokenError("the issuer changed");
  const subject = ownClaim(claims, "sub");
  if (typeof subject !== "string" || subject === "") throw new IdTokenError("no sub claim");
  return { header, claims, issuer, subject, ...clientOf(clients, ownClaim(claims, "aud")) };
}
