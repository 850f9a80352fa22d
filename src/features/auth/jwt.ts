import { compactVerify, decodeProtectedHeader, type ProtectedHeaderParameters } from "jose";
import { readCredential, stripBearer } from "../../auth/credentials";
import { identityOf, parseClaims, timeClaimsError, type Claims } from "../../auth/jwt-claims";
import { algorithmAllowed, keyFromJwk, keyFromMaterial, type VerificationKey } from "../../auth/jwt-keys";
import { VerifiedTokens } from "../../auth/jwt-verified";
import type { RequestContext } from "../../chain/context";
import type { Gateway } from "../../chain/gateway";
import { bytesFromBase64Url, utf8 } from "../../lib/encoding";
import { messages, TykError } from "../../lib/tyk-error";
import type { FoundSession } from "../../session/key-store";
import { jwtIdentity, type JwtIdentityMemo } from "./jwt-session";
import type { Authenticator, AuthOptions } from "./options";

/*
 * Tyk's JWT auth (gateway/mw_jwt.go). Missing token 400; wrong algorithm 403
 * "Key not authorized: Unexpected signing method"; unknown key or bad
 * signature 403 "Key not authorized"; exp / iat / nbf out of range 401
 * "Key not authorized: <reason>". Claims are only read after the signature
 * checks out.
 *
 * A token whose signature verified is remembered (auth/jwt-verified.ts) with
 * the compiled JWT settings and the key material it verified against: the
 * settings object of this config snapshot, the very JWK object of the JWKS
 * cache, or the per-key secret. Every request still looks the key up; only
 * when it is the same does the signature check get skipped. The time claims
 * are checked on every request.
 */

const notAuthorized = () => new TykError(403, messages.jwtNotAuthorized);

type JwtSettings = AuthOptions["jwt"];

/** A token whose signature verified, and what it verified against. */
interface VerifiedJwt extends JwtIdentityMemo {
  header: ProtectedHeaderParameters;
  claims: Claims;
  /** Tyk's jwt_claims_<name>: header fields too, claims winning. */
  exposed: Readonly<Record<string, unknown>>;
  settings: JwtSettings;
  /** The source, the JWK object or the per-key secret that verified it. */
  keyMaterial: unknown;
}

/** One token may be sent to several APIs; each has its own settings, so each keeps its own verification. */
const maxApisPerToken = 4;

/** Per isolate, with the gateway; kept out of Gateway.caches only because src/chain belongs to another change (see the report). */
const verifiedByGateway = new WeakMap<Gateway, VerifiedTokens<VerifiedJwt[]>>();

function verifiedTokens(gateway: Gateway): VerifiedTokens<VerifiedJwt[]> {
  let tokens = verifiedByGateway.get(gateway);
  if (!tokens) {
    tokens = new VerifiedTokens();
    verifiedByGateway.set(gateway, tokens);
  }
  return tokens;
}

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
async function perKeySession(
  ctx: RequestContext,
  settings: JwtSettings,
  token: string,
  header: ProtectedHeaderParameters,
  known?: Claims,
): Promise<FoundSession> {
  let id = !settings.skipKid && typeof header.kid === "string" ? header.kid : undefined;
  if (id === undefined) {
    try {
      id = identityOf(known ?? unverifiedClaims(token), settings.identityField);
    } catch {
      throw notAuthorized();
    }
  }
  const found = await ctx.gateway.keys.lookup(id, ctx.api.orgId, ctx.waitUntil);
  if (!found?.session.jwt_data?.secret) throw notAuthorized();
  return found;
}

interface KeyChoice {
  /** What verifies the token now; a remembered token verified against anything else is verified again. */
  material: unknown;
  key: () => Promise<VerificationKey>;
  owner?: FoundSession;
}

async function currentKey(
  ctx: RequestContext,
  settings: JwtSettings,
  token: string,
  header: ProtectedHeaderParameters,
  alg: string,
  known?: Claims,
): Promise<KeyChoice> {
  const { family, source } = settings;
  const { jwks, caches } = ctx.gateway;
  switch (source.kind) {
    case "invalid":
      throw notAuthorized();
    case "static":
      return { material: source, key: () => keyFromMaterial(family, alg, source.material, caches.verificationKeys) };
    case "jwks": {
      if (typeof header.kid !== "string") throw notAuthorized();
      const jwk = await jwks.key(source.url, header.kid).catch((error: unknown) => {
        ctx.log.error("JWKS fetch failed", { error });
        return null;
      });
      if (!jwk) throw notAuthorized();
      return { material: jwk, key: () => keyFromJwk(family, alg, jwk, jwks.importedKeys) };
    }
    case "per-key": {
      const owner = await perKeySession(ctx, settings, token, header, known);
      const secret = owner.session.jwt_data!.secret;
      return { material: secret, owner, key: () => keyFromMaterial(family, alg, utf8(secret), caches.verificationKeys) };
    }
  }
}

async function verify(token: string, header: ProtectedHeaderParameters, alg: string, choice: KeyChoice, settings: JwtSettings): Promise<VerifiedJwt> {
  const key = await choice.key().catch(() => Promise.reject(notAuthorized()));
  let payload: Uint8Array;
  try {
    payload = (await compactVerify(token, key, { algorithms: [alg] })).payload;
  } catch {
    throw notAuthorized();
  }
  const claims = parseClaims(payload, notAuthorized);
  return { header, claims, exposed: { ...header, ...claims }, settings, keyMaterial: choice.material };
}

export const authenticateJwt: Authenticator = async (ctx, options) => {
  const raw = readCredential(ctx.request, ctx.url, options.jwt.config);
  if (!raw) throw new TykError(400, messages.authFieldMissing);
  const token = stripBearer(raw);
  const settings = options.jwt;
  const tokens = verifiedTokens(ctx.gateway);
  // Same text, same settings object: the header and payload are the ones already parsed.
  const remembered = tokens.get(token);
  const known = remembered?.find((entry) => entry.settings === settings);
  const header = known?.header ?? protectedHeader(token);
  if (!algorithmAllowed(settings.family, header.alg)) throw new TykError(403, messages.jwtUnexpectedAlgorithm);
  const choice = await currentKey(ctx, settings, token, header, header.alg, known?.claims);

  const verified = known && known.keyMaterial === choice.material ? known : await verify(token, header, header.alg, choice, settings);
  const timeError = timeClaimsError(verified.claims, settings.skews);
  if (timeError) {
    if (known) tokens.delete(token);
    throw new TykError(401, messages.jwtClaims(timeError));
  }
  if (verified !== known) {
    const kept = [verified, ...(remembered ?? []).filter((entry) => entry.settings !== settings)].slice(0, maxApisPerToken);
    tokens.set(token, kept, kept.length);
  }
  ctx.jwtClaims = verified.exposed;
  if (choice.owner) return { session: choice.owner.session, sessionId: choice.owner.storageId };
  return jwtIdentity(ctx, options, verified.claims, verified);
};
