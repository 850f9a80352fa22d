import { compactVerify, decodeProtectedHeader, type ProtectedHeaderParameters } from "jose";
import type { Context } from "hono";
import { TykError } from "../errors";
import { waitUntilOf } from "../middleware/wait-until";
import type { FoundSession } from "../session/key-store";
import type { GatewayEnv } from "../types";
import { authConfigFor, readCredential, stripBearer } from "./credentials";
import type { Authenticator } from "./identity";
import { identityOf, timeClaimsError, type Claims } from "./jwt-claims";
import { algorithmAllowed, jwksCacheFor, keyFromJwk, keyFromMaterial, keySourceOf, signingFamily, type VerificationKey } from "./jwt-keys";
import { jwtIdentity } from "./jwt-session";

/*
 * Tyk's JWT auth (gateway/mw_jwt.go). Missing token 400; wrong algorithm 403
 * "Key not authorized: Unexpected signing method"; unknown key or bad
 * signature 403 "Key not authorized"; exp / iat / nbf out of range 401
 * "Key not authorized: <reason>". Claims are only read after the signature
 * checks out.
 */

const notAuthorized = () => new TykError(403, "Key not authorized");
const unexpectedAlgorithm = () => new TykError(403, "Key not authorized: Unexpected signing method");

function protectedHeader(token: string): ProtectedHeaderParameters {
  try {
    return decodeProtectedHeader(token);
  } catch {
    throw notAuthorized();
  }
}

function decodeClaims(payload: Uint8Array): Claims {
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    throw notAuthorized();
  }
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) throw notAuthorized();
  return claims as Claims;
}

/** Claims read before verification, only to find which key's secret to verify with. */
function unverifiedClaims(token: string): Claims {
  const payload = token.split(".")[1] ?? "";
  try {
    return decodeClaims(Uint8Array.from(atob(payload.replace(/-/g, "+").replace(/_/g, "/")), (char) => char.charCodeAt(0)));
  } catch {
    throw notAuthorized();
  }
}

/** Without `jwt_source`, the kid (unless `jwt_skip_kid`) or the identity claim names a key holding the secret. */
async function perKeySession(c: Context<GatewayEnv>, token: string, header: ProtectedHeaderParameters): Promise<FoundSession> {
  const definition = c.get("api").definition;
  let id = !definition.jwt_skip_kid && typeof header.kid === "string" ? header.kid : undefined;
  if (id === undefined) {
    try {
      id = identityOf(unverifiedClaims(token), definition.jwt_identity_base_field);
    } catch {
      throw notAuthorized();
    }
  }
  const found = await c.get("gateway").keys.lookup(id, c.get("api").orgId, waitUntilOf(c));
  if (!found?.session.jwt_data?.secret) throw notAuthorized();
  return found;
}

async function verificationKey(c: Context<GatewayEnv>, token: string, header: ProtectedHeaderParameters, alg: string) {
  const definition = c.get("api").definition;
  const family = signingFamily(definition);
  const source = keySourceOf(definition);
  let key: Promise<VerificationKey>;
  let owner: FoundSession | undefined;
  switch (source.kind) {
    case "invalid":
      throw notAuthorized();
    case "static":
      key = keyFromMaterial(family, alg, source.material);
      break;
    case "jwks": {
      if (typeof header.kid !== "string") throw notAuthorized();
      const jwk = await jwksCacheFor(c.get("gateway").config).key(source.url, header.kid).catch((error: unknown) => {
        console.error(JSON.stringify({ message: "JWKS fetch failed", api_id: definition.api_id, error: String(error) }));
        return null;
      });
      if (!jwk) throw notAuthorized();
      key = keyFromJwk(family, alg, jwk);
      break;
    }
    case "per-key":
      owner = await perKeySession(c, token, header);
      key = keyFromMaterial(family, alg, new TextEncoder().encode(owner.session.jwt_data!.secret));
  }
  return { key: await key.catch(() => Promise.reject(notAuthorized())), owner };
}

export const authenticateJwt: Authenticator = async (c) => {
  const definition = c.get("api").definition;
  const raw = readCredential(c.req.raw, c.get("url"), authConfigFor(c.get("api"), "jwt"));
  if (!raw) throw new TykError(400, "Authorization field missing");
  const token = stripBearer(raw);
  const header = protectedHeader(token);
  if (!algorithmAllowed(signingFamily(definition), header.alg)) throw unexpectedAlgorithm();
  const { key, owner } = await verificationKey(c, token, header, header.alg);

  let payload: Uint8Array;
  try {
    payload = (await compactVerify(token, key, { algorithms: [header.alg] })).payload;
  } catch {
    throw notAuthorized();
  }
  const claims = decodeClaims(payload);
  const timeError = timeClaimsError(claims, {
    expiresAt: definition.jwt_expires_at_validation_skew,
    issuedAt: definition.jwt_issued_at_validation_skew,
    notBefore: definition.jwt_not_before_validation_skew,
  });
  if (timeError) throw new TykError(401, `Key not authorized: ${timeError}`);
  if (owner) return { session: owner.session, sessionId: owner.storageId };
  return jwtIdentity(c, claims);
};
