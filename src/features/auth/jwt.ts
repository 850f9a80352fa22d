import { compactVerify, decodeProtectedHeader, type ProtectedHeaderParameters } from "jose";
import { readCredential, stripBearer } from "../../auth/credentials";
import { identityOf, parseClaims, timeClaimsError, type Claims } from "../../auth/jwt-claims";
import { algorithmAllowed, keyFromJwk, keyFromMaterial, type VerificationKey } from "../../auth/jwt-keys";
import type { RequestContext } from "../../chain/context";
import { bytesFromBase64Url, utf8 } from "../../lib/encoding";
import { messages, TykError } from "../../lib/tyk-error";
import type { FoundSession } from "../../session/key-store";
import { jwtIdentity } from "./jwt-session";
import type { Authenticator, AuthOptions } from "./options";

/*
 * Tyk's JWT auth (gateway/mw_jwt.go). Missing token 400; wrong algorithm 403
 * "Key not authorized: Unexpected signing method"; unknown key or bad
 * signature 403 "Key not authorized"; exp / iat / nbf out of range 401
 * "Key not authorized: <reason>". Claims are only read after the signature
 * checks out.
 */

const notAuthorized = () => new TykError(403, messages.jwtNotAuthorized);

function protectedHeader(token: string): ProtectedHeaderParameters {
  try {
    return decodeProtectedHeader(token);
  } catch {
    throw notAuthorized();
  }
}

/** Claims read before verification, only to find which key's secret to verify with. */
function unverifiedClaims(token: string): Claims {
  const payload = bytesFromBase64Url(token.split(".")[1] ?? "");
  if (!payload) throw notAuthorized();
  return parseClaims(payload, notAuthorized);
}

/** Without `jwt_source`, the kid (unless `jwt_skip_kid`) or the identity claim names a key holding the secret. */
async function perKeySession(ctx: RequestContext, options: AuthOptions, token: string, header: ProtectedHeaderParameters): Promise<FoundSession> {
  let id = !options.jwt.skipKid && typeof header.kid === "string" ? header.kid : undefined;
  if (id === undefined) {
    try {
      id = identityOf(unverifiedClaims(token), options.jwt.identityField);
    } catch {
      throw notAuthorized();
    }
  }
  const found = await ctx.gateway.keys.lookup(id, ctx.api.orgId, ctx.waitUntil);
  if (!found?.session.jwt_data?.secret) throw notAuthorized();
  return found;
}

async function verificationKey(ctx: RequestContext, options: AuthOptions, token: string, header: ProtectedHeaderParameters, alg: string) {
  const { family, source } = options.jwt;
  const { jwks, caches } = ctx.gateway;
  let key: Promise<VerificationKey>;
  let owner: FoundSession | undefined;
  switch (source.kind) {
    case "invalid":
      throw notAuthorized();
    case "static":
      key = keyFromMaterial(family, alg, source.material, caches.verificationKeys);
      break;
    case "jwks": {
      if (typeof header.kid !== "string") throw notAuthorized();
      const jwk = await jwks.key(source.url, header.kid).catch((error: unknown) => {
        ctx.log.error("JWKS fetch failed", { error });
        return null;
      });
      if (!jwk) throw notAuthorized();
      key = keyFromJwk(family, alg, jwk, jwks.importedKeys);
      break;
    }
    case "per-key":
      owner = await perKeySession(ctx, options, token, header);
      key = keyFromMaterial(family, alg, utf8(owner.session.jwt_data!.secret), caches.verificationKeys);
  }
  return { key: await key.catch(() => Promise.reject(notAuthorized())), owner };
}

export const authenticateJwt: Authenticator = async (ctx, options) => {
  const raw = readCredential(ctx.request, ctx.url, options.jwt.config);
  if (!raw) throw new TykError(400, messages.authFieldMissing);
  const token = stripBearer(raw);
  const header = protectedHeader(token);
  if (!algorithmAllowed(options.jwt.family, header.alg)) throw new TykError(403, messages.jwtUnexpectedAlgorithm);
  const { key, owner } = await verificationKey(ctx, options, token, header, header.alg);

  let payload: Uint8Array;
  try {
    payload = (await compactVerify(token, key, { algorithms: [header.alg] })).payload;
  } catch {
    throw notAuthorized();
  }
  const claims = parseClaims(payload, notAuthorized);
  const timeError = timeClaimsError(claims, options.jwt.skews);
  if (timeError) throw new TykError(401, messages.jwtClaims(timeError));
  ctx.jwtClaims = { ...header, ...claims }; // Tyk's jwt_claims_<name>: header fields too, claims winning
  if (owner) return { session: owner.session, sessionId: owner.storageId };
  return jwtIdentity(ctx, options, claims);
};
