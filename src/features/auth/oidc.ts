import * as z from "zod";
import type { AuthConfig } from "../../auth/credentials";
import { readCredential } from "../../auth/credentials";
import { decodeProviders, IdTokenError, verifyIdToken, type OidcProviders, type VerifiedIdToken } from "../../auth/oidc-token";
import type { RequestContext } from "../../chain/context";
import type { Identity } from "../../chain/identity";
import { list } from "../../apidef/schema";
import { isolateLogger } from "../../lib/logger";
import { messages, TykError } from "../../lib/tyk-error";
import { generateToken } from "../../session/keys";
import { sessionSchema, type Session } from "../../session/schema";
import { md5Hex } from "./jwt-session";
import { oidcScopeOptions, type ScopeOptions, type scopeFields } from "./jwt-scopes";
import { policiesForScopes, scopesOf } from "../../auth/scopes";
import type { Authenticator } from "./options";

/*
 * Tyk's OpenID Connect auth (gateway/mw_openid.go). The ID token comes as
 * `Bearer <token>`; any failure to read or verify it is 401 "Key not
 * authorised" (Tyk's spelling). The provider's client id in `aud` picks the
 * policy, or with `scopes.oidc.scope_to_policy` the token's scopes do. The
 * session id is Tyk's virtual key, org + md5(sub), or org + md5(client id) +
 * md5(sub) with `segregate_by_client`; like JWT sessions it is derived per
 * request and cached, and a session stored under that key is the base.
 */

const clientIds = z
  .record(z.string(), z.string())
  .nullable()
  .default({})
  .transform((value) => value ?? {});

export const oidcFields = {
  openid_options: z
    .looseObject({
      providers: list(z.looseObject({ issuer: z.string().default(""), client_ids: clientIds })),
      segregate_by_client: z.boolean().default(false),
    })
    .nullable()
    .prefault({})
    .transform((value) => value ?? { providers: [], segregate_by_client: false }),
};

export const oidcHonours = ["use_openid", "openid_options", "scopes.oidc", "auth_configs.oidc"];

export interface OidcOptions {
  config: AuthConfig;
  providers: OidcProviders;
  segregateByClient: boolean;
  scopes: ScopeOptions | null;
}

type OidcFields = z.output<z.ZodObject<typeof oidcFields & typeof scopeFields>>;

export function compileOidc(definition: OidcFields, config: AuthConfig, apiId: string): OidcOptions {
  const { providers, invalid } = decodeProviders(definition.openid_options.providers);
  if (invalid.length > 0) isolateLogger.error("openid_options client ids must be base64; ignoring these", { api_id: apiId, client_ids: invalid });
  return { config, providers, segregateByClient: definition.openid_options.segregate_by_client, scopes: oidcScopeOptions(definition) };
}

const notAuthorised = () => new TykError(401, messages.oidcNotAuthorised);
const denied = (reason: string) => new TykError(403, messages.jwtClaims(reason));

/** openid2go takes exactly `Bearer <token>`. */
function bearerToken(value: string | undefined): string | null {
  const parts = (value ?? "").split(" ");
  return parts.length === 2 && parts[0] === "Bearer" && parts[1] ? parts[1] : null;
}

/** The client's policy, or the policies the token's scopes map to; each must exist in the API's org. */
async function policiesOf(ctx: RequestContext, options: OidcOptions, token: VerifiedIdToken): Promise<string[]> {
  const policies = options.scopes ? policiesForScopes(options.scopes.mapping, scopesOf(token.claims, options.scopes.claimName)) : [token.policyId];
  const snapshot = await ctx.gateway.configCache.current(ctx.waitUntil);
  const known = (id: string) => snapshot.policies.get(id)?.org_id === ctx.api.orgId;
  // Tyk would let a token whose scopes map to nothing through with an empty session; that is refused here.
  if (policies.length === 0 || !policies.every(known)) throw denied("no matching policy");
  return policies;
}

function sessionFor(base: Session | null, orgId: string, virtualKey: string, token: VerifiedIdToken, policies: string[]): Session {
  const session =
    base ??
    sessionSchema.parse({
      org_id: orgId,
      alias: `${token.clientId}:${token.subject}`,
      meta_data: { TykJWTSessionID: virtualKey, ClientID: token.clientId },
    });
  return { ...session, apply_policies: policies, apply_policy_id: "" };
}

/** A session id worked out from a token's claims, with what it was worked out from. */
interface SessionIdMemo {
  input: string;
  virtualKey: string;
  sessionId: string;
}

/**
 * The ID token cache hands back the same claims object for the same token, so
 * the hashing behind its session id is done once per token and isolate; the
 * gateway is part of the memo's key because its settings choose the hash.
 */
const sessionIds = new WeakMap<object, WeakMap<object, SessionIdMemo>>();

async function sessionIdOf(ctx: RequestContext, options: OidcOptions, token: VerifiedIdToken): Promise<SessionIdMemo> {
  const { gateway, api } = ctx;
  const input = `${api.orgId}\u0000${options.segregateByClient ? token.clientId : ""}\u0000${token.subject}`;
  let byClaims = sessionIds.get(gateway);
  if (!byClaims) {
    byClaims = new WeakMap();
    sessionIds.set(gateway, byClaims);
  }
  const known = byClaims.get(token.claims);
  if (known?.input === input) return known;
  const userHash = await md5Hex(token.subject);
  const keyId = options.segregateByClient ? `${await md5Hex(token.clientId)}${userHash}` : userHash;
  const virtualKey = generateToken(api.orgId, keyId, gateway.config.hashKeyFunction);
  const memo = { input, virtualKey, sessionId: await gateway.keys.storageId(virtualKey) };
  byClaims.set(token.claims, memo);
  return memo;
}

async function oidcIdentity(ctx: RequestContext, options: OidcOptions, token: VerifiedIdToken): Promise<Identity> {
  const { gateway, api } = ctx;
  const { virtualKey, sessionId } = await sessionIdOf(ctx, options, token);
  const [base, policies] = await Promise.all([gateway.keys.cached(sessionId, ctx.waitUntil), policiesOf(ctx, options, token)]);

  // One stable object per identity, client and policies, so the policy merge cache holds across requests.
  const cacheKey = `oidc\u0000${sessionId}\u0000${token.clientId}\u0000${policies.join(",")}`;
  const cached = gateway.caches.jwtSessions.get(cacheKey);
  if (cached && cached.base === base) return { session: cached.session, sessionId };
  const session = sessionFor(base, api.orgId, virtualKey, token, policies);
  gateway.caches.jwtSessions.set(cacheKey, { base, session });
  return { session, sessionId };
}

export const authenticateOidc: Authenticator = async (ctx, options) => {
  const token = bearerToken(readCredential(ctx.request, ctx.url, options.oidc.config));
  if (!token) throw notAuthorised();
  let verified: VerifiedIdToken;
  try {
    verified = await verifyIdToken(token, {
      providers: options.oidc.providers,
      discovery: ctx.gateway.oidc.discovery,
      jwks: ctx.gateway.jwks,
      verified: ctx.gateway.oidc.verifiedTokens,
    });
  } catch (error) {
    if (error instanceof IdTokenError) ctx.log.warn("OpenID Connect token refused", { reason: error.message });
    else ctx.log.error("OpenID Connect provider unreachable", { error });
    throw notAuthorised();
  }
  ctx.jwtClaims = { ...verified.header, ...verified.claims };
  return oidcIdentity(ctx, options.oidc, verified);
};
