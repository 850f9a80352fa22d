import { compactVerify, decodeProtectedHeader, type ProtectedHeaderParameters } from "jose";
import type { LruCache } from "../lib/lru";
import { messages, TykError } from "../lib/tyk-error";
import type { ProviderJwt } from "./external-oauth";
import type { JwksCache } from "./jwks";
import { ClaimError, identityOf, parseClaims, timeClaimsError } from "./jwt-claims";
import { algorithmAllowed, keyFromJwk, keyFromMaterial, type VerificationKey } from "./jwt-keys";

/*
 * An external OAuth provider's JWT, checked locally (Tyk's
 * ExternalOAuthMiddleware.jwt). It shares the classic JWT method's keys,
 * JWKS cache and claim rules, but not its answers: a malformed token, a bad
 * signature and exp / iat / nbf out of range are 401; a token this gateway
 * cannot check (signed with another algorithm family, a kid the JWKS does not
 * know, an unreachable JWKS, a source that decodes to no key) and a token
 * without a usable identity claim are 500 "error happened during the access
 * token validation". Tyk answers a bad RSA or ECDSA signature with that 500
 * too (its error matching only knows the HMAC one); here every bad signature
 * is the 401.
 */

export interface JwtVerifierDeps {
  jwks: JwksCache;
  verificationKeys: LruCache<string, Promise<VerificationKey>>;
  logError: (message: string, error: unknown) => void;
}

const cannotValidate = () => new TykError(500, messages.externalOAuthValidationFailed);
const malformed = () => new TykError(401, messages.externalOAuthVerification("token is malformed"));

function headerOf(token: string): ProtectedHeaderParameters {
  if (token.split(".").length !== 3) throw new TykError(401, messages.externalOAuthVerification("token contains an invalid number of segments"));
  try {
    return decodeProtectedHeader(token);
  } catch {
    throw malformed();
  }
}

async function keyFor(provider: ProviderJwt, header: ProtectedHeaderParameters, alg: string, deps: JwtVerifierDeps): Promise<VerificationKey> {
  const { source, family } = provider;
  switch (source.kind) {
    case "static":
      return keyFromMaterial(family, alg, source.material, deps.verificationKeys);
    case "jwks": {
      if (typeof header.kid !== "string") throw cannotValidate();
      const jwk = await deps.jwks.key(source.url, header.kid).catch((error: unknown) => {
        deps.logError("JWKS fetch failed", error);
        return null;
      });
      if (!jwk) throw cannotValidate();
      return keyFromJwk(family, alg, jwk, deps.jwks.importedKeys);
    }
    default:
      // No source, or one that is neither a URL nor base64.
      throw cannotValidate();
  }
}

/** The identity the token carries once its signature and time claims check out. */
export async function verifyProviderJwt(token: string, provider: ProviderJwt, deps: JwtVerifierDeps): Promise<string> {
  const header = headerOf(token);
  if (!algorithmAllowed(provider.family, header.alg)) throw cannotValidate();
  const key = await keyFor(provider, header, header.alg, deps).catch((error: unknown) => {
    if (error instanceof TykError) throw error;
    deps.logError("external OAuth verification key could not be imported", error);
    throw cannotValidate();
  });
  let payload: Uint8Array;
  try {
    payload = (await compactVerify(token, key, { algorithms: [header.alg] })).payload;
  } catch {
    throw new TykError(401, messages.externalOAuthVerification("signature is invalid"));
  }
  const claims = parseClaims(payload, malformed);
  const timeError = timeClaimsError(claims, provider.skews);
  if (timeError) throw new TykError(401, messages.externalOAuthClaims(timeError));
  try {
    return identityOf(claims, provider.identityField);
  } catch (error) {
    if (error instanceof ClaimError) throw cannotValidate();
    throw error;
  }
}
