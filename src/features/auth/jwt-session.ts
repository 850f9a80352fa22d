import { ClaimError, claimString, identityOf, oauthClientIdOf, ownClaim, type Claims } from "../../auth/jwt-claims";
import { policiesForScopes, scopesOf } from "../../auth/scopes";
import type { RequestContext } from "../../chain/context";
import type { Identity } from "../../chain/identity";
import type { ServedApi } from "../../chain/served-api";
import { hex, utf8 } from "../../lib/encoding";
import { messages, TykError } from "../../lib/tyk-error";
import { generateToken } from "../../session/keys";
import { policyIdsOf } from "../../session/policies";
import { sessionSchema, type Session } from "../../session/schema";
import type { ConfigSnapshot } from "../../snapshot/config-cache";
import type { AuthOptions } from "./options";

/*
 * The session behind a centrally verified JWT (Tyk's processCentralisedJWT).
 * Its id is Tyk's virtual key, org + md5(identity), so every token of one
 * identity shares one session and one set of rate-limit and quota counters.
 * The policies come from `jwt_policy_field_name`, else the policy of the key
 * named by `jwt_client_base_field`, else `jwt_default_policies`; a scope
 * mapping (features/auth/jwt-scopes.ts) adds the policies of the token's scopes.
 *
 * Unlike Tyk, the session is not written to the store on first sight (a KV
 * write per new identity and per refreshed `exp`); it is derived per request
 * and cached. A session an operator stores under the virtual key (see
 * `meta_data.TykJWTSessionID` in the README) is used as the base instead.
 */

type Snapshot = ConfigSnapshot<ServedApi>;

const denied = (reason: string) => new TykError(403, messages.jwtPolicy(reason));

export async function md5Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest("MD5", utf8(text)));
}

/** The policy the token names, directly or through the key of its client id. */
async function claimedPolicy(ctx: RequestContext, options: AuthOptions, claims: Claims): Promise<string | undefined> {
  const { policyField, clientField } = options.jwt;
  if (policyField) return claimString(claims, policyField);
  if (!clientField) return undefined;
  const clientId = ownClaim(claims, clientField);
  if (typeof clientId !== "string" || clientId === "") return undefined;
  const client = await ctx.gateway.keys.lookup(clientId, ctx.api.orgId, ctx.waitUntil);
  return client ? policyIdsOf(client.session)[0] : undefined;
}

/**
 * The token's policies, as Tyk's processCentralisedJWT picks them: the claimed
 * policy, else the default ones. With a scope mapping, a token carrying scopes
 * gets the claimed policy (never the defaults) plus every mapped one.
 */
async function policiesFor(ctx: RequestContext, options: AuthOptions, claims: Claims, stored: boolean, snapshot: Snapshot): Promise<string[]> {
  const { defaultPolicies: defaults, scopes } = options.jwt;
  const claimed = await claimedPolicy(ctx, options, claims);
  const base = claimed ?? defaults[0];
  const known = (id: string) => snapshot.policies.get(id)?.org_id === ctx.api.orgId;
  if (base && !known(base)) throw denied("no matching policy");
  const tokenScopes = scopes ? scopesOf(claims, scopes.claimName) : [];
  if (scopes && tokenScopes.length > 0) {
    const policies = [...new Set([...(claimed ? [claimed] : []), ...policiesForScopes(scopes.mapping, tokenScopes)])];
    if (policies.length === 0) throw denied("no matching policy found in scope claim");
    if (!policies.every(known)) throw denied("could not apply several policies");
    return policies;
  }
  // A stored session may not keep its policies when the token names none (Tyk's privilege-escalation guard).
  if (!base) throw denied(scopes && stored ? "no scope or policy in token" : "no matching policy found");
  return claimed ? [claimed] : [...new Set(defaults)];
}

/**
 * The session expires with the token. Tyk copies `exp` as is, so a token the
 * exp skew lets through is then refused as an expired key; the skew is added
 * here so it means what it says.
 */
function derive(base: Session | null, orgId: string, expirySkew: number, identity: string, virtualKey: string, policies: string[], claims: Claims): Session {
  const exp = typeof claims["exp"] === "number" ? Math.floor(claims["exp"]) + expirySkew : 0;
  const session = base ?? sessionSchema.parse({ org_id: orgId, alias: identity, meta_data: { TykJWTSessionID: virtualKey } });
  return {
    ...session,
    apply_policies: policies,
    apply_policy_id: "",
    expires: Math.max(session.expires, exp),
    oauth_client_id: oauthClientIdOf(claims),
  };
}

/** The session worked out for one token under one config snapshot and one stored base session. */
interface DerivedForToken {
  snapshot: Snapshot;
  base: Session | null;
  session: Session;
}

/** What a verified token's identity costs to work out, kept with the token while its verification is (features/auth/jwt.ts). */
export interface JwtIdentityMemo {
  identityMemo?: { identity: string; virtualKey: string; sessionId: string; derived?: DerivedForToken };
}

async function identityKeys(ctx: RequestContext, options: AuthOptions, claims: Claims): Promise<NonNullable<JwtIdentityMemo["identityMemo"]>> {
  const { gateway, api } = ctx;
  let identity: string;
  try {
    identity = identityOf(claims, options.jwt.identityField);
  } catch (error) {
    if (error instanceof ClaimError) throw new TykError(403, error.message);
    throw error;
  }
  const virtualKey = generateToken(api.orgId, await md5Hex(identity), gateway.config.hashKeyFunction);
  return { identity, virtualKey, sessionId: await gateway.keys.storageId(virtualKey) };
}

/**
 * The session of a verified token. The token's own memo (its identity, and the
 * session derived under the current snapshot and stored base) saves the
 * hashing and the policy choice on its later requests; a policy chosen through
 * the client's key (`jwt_client_base_field`) depends on that key, so it is
 * chosen again every time.
 */
export async function jwtIdentity(ctx: RequestContext, options: AuthOptions, claims: Claims, memo: JwtIdentityMemo = {}): Promise<Identity> {
  const { gateway, api } = ctx;
  memo.identityMemo ??= await identityKeys(ctx, options, claims);
  const known = memo.identityMemo;
  const { identity, virtualKey, sessionId } = known;
  const pendingBase = gateway.keys.cached(sessionId, ctx.waitUntil);
  const base = pendingBase instanceof Promise ? await pendingBase : pendingBase;
  const pendingSnapshot = gateway.configCache.current(ctx.waitUntil);
  const snapshot = pendingSnapshot instanceof Promise ? await pendingSnapshot : pendingSnapshot;
  const { derived } = known;
  if (derived?.snapshot === snapshot && derived.base === base) return { session: derived.session, sessionId };

  const policies = await policiesFor(ctx, options, claims, base !== null, snapshot);
  // One stable object per identity, policies and expiry, so the policy merge cache holds across requests.
  const cacheKey = `${sessionId}\u0000${policies.join(",")}\u0000${String(claims["exp"])}\u0000${oauthClientIdOf(claims)}`;
  const cached = gateway.caches.jwtSessions.get(cacheKey);
  let session: Session;
  if (cached && cached.base === base) session = cached.session;
  else {
    session = derive(base, api.orgId, options.jwt.skews.expiresAt, identity, virtualKey, policies, claims);
    gateway.caches.jwtSessions.set(cacheKey, { base, session });
  }
  const { policyField, clientField } = options.jwt;
  known.derived = policyField || !clientField ? { snapshot, base, session } : undefined;
  return { session, sessionId };
}
