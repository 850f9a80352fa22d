import { readCredential, stripBearer } from "../../auth/credentials";
import type { ExternalOAuthProvider } from "../../auth/external-oauth";
import { verifyProviderJwt } from "../../auth/external-oauth-jwt";
import { IntrospectionError, type IntrospectionClaims, type Introspected } from "../../auth/introspection";
import { ClaimError, identityOf } from "../../auth/jwt-claims";
import type { RequestContext } from "../../chain/context";
import type { CoreApi } from "../../apidef/compile";
import type { Identity } from "../../chain/identity";
import { messages, TykError } from "../../lib/tyk-error";
import { generateToken } from "../../session/keys";
import { sessionSchema, type Session } from "../../session/schema";
import { md5Hex } from "./jwt-session";
import type { Authenticator } from "./options";

/*
 * Tyk's external OAuth (gateway/mw_external_oauth.go): the bearer token is
 * checked against the API's first provider, locally as a JWT or by asking the
 * provider's introspection endpoint, and the identity it names opens Tyk's
 * virtual key, org + md5(identity), the same key a classic JWT identity gets.
 * A session stored under that key (with its policies, limits and quotas) is
 * the request's session; without one the request gets the virtual session
 * Tyk builds: access to this API only, 10000 requests per 60 s, no quota.
 */

const cannotValidate = () => new TykError(500, messages.externalOAuthValidationFailed);

function isExpired(claims: IntrospectionClaims): boolean {
  const exp = claims["exp"];
  return typeof exp === "number" && Date.now() / 1000 > Math.trunc(exp);
}

async function introspectedIdentity(ctx: RequestContext, provider: Extract<ExternalOAuthProvider, { kind: "introspection" }>, token: string): Promise<string> {
  let answer: Introspected;
  try {
    answer = await ctx.gateway.caches.introspections.introspect(provider.introspection, token);
  } catch (error) {
    if (!(error instanceof IntrospectionError)) throw error;
    ctx.log.error("token introspection failed", { error: error.message });
    throw cannotValidate();
  }
  const { claims, cached } = answer;
  if (cached && isExpired(claims)) throw new TykError(401, messages.externalOAuthTokenExpired);
  const active = claims["active"];
  if (typeof active !== "boolean") {
    ctx.log.error("token introspection answer has no boolean active flag", { url: provider.introspection.url });
    throw cannotValidate();
  }
  if (!active) throw new TykError(401, messages.externalOAuthTokenInvalid);
  try {
    return identityOf(claims, provider.identityField);
  } catch (error) {
    if (error instanceof ClaimError) throw cannotValidate();
    throw error;
  }
}

function virtualSession(api: CoreApi): Session {
  return sessionSchema.parse({
    org_id: api.orgId,
    rate: 10_000,
    per: 60,
    allowance: 10_000,
    quota_max: -1,
    access_rights: { [api.id]: { api_id: api.id, api_name: api.name } },
  });
}

/** The stored session under the identity's virtual key, else one virtual session per API and identity, kept so the policy merge cache holds. */
async function sessionFor(ctx: RequestContext, identity: string): Promise<Identity> {
  const { gateway, api } = ctx;
  const virtualKey = generateToken(api.orgId, await md5Hex(identity), gateway.config.hashKeyFunction);
  const sessionId = await gateway.keys.storageId(virtualKey);
  const stored = await gateway.keys.cached(sessionId, ctx.waitUntil);
  if (stored) return { session: stored, sessionId };
  const cacheKey = `external-oauth\u0000${api.id}\u0000${sessionId}`;
  let derived = gateway.caches.jwtSessions.get(cacheKey);
  if (!derived) {
    derived = { base: null, session: virtualSession(api) };
    gateway.caches.jwtSessions.set(cacheKey, derived);
  }
  return { session: derived.session, sessionId };
}

export const authenticateExternalOAuth: Authenticator = async (ctx, options) => {
  const { config, provider } = options.externalOAuth;
  const raw = readCredential(ctx.request, ctx.url, config);
  if (!raw) throw new TykError(400, messages.externalOAuthFieldMissing);
  const token = stripBearer(raw);
  if (!provider) throw new TykError(404, messages.externalOAuthNoProvider);
  let identity: string;
  switch (provider.kind) {
    case "jwt": {
      const { jwks, caches } = ctx.gateway;
      const logError = (message: string, error: unknown) => ctx.log.error(message, { error });
      identity = await verifyProviderJwt(token, provider.jwt, { jwks, verificationKeys: caches.verificationKeys, logError });
      break;
    }
    case "introspection":
      identity = await introspectedIdentity(ctx, provider, token);
      break;
    case "none":
      throw new TykError(500, messages.externalOAuthNoMethod);
  }
  return sessionFor(ctx, identity);
};
