import type { Context } from "hono";
import type { ApiDefinition } from "../apidef/schema";
import { TykError } from "../errors";
import { waitUntilOf } from "../middleware/wait-until";
import { generateToken } from "../session/keys";
import { policyIdsOf } from "../session/policies";
import { sessionSchema, type Session } from "../session/schema";
import type { GatewayEnv } from "../types";
import type { Identity } from "./identity";
import { ClaimError, claimString, identityOf, oauthClientIdOf, type Claims } from "./jwt-claims";

/*
 * The session behind a centrally verified JWT (Tyk's processCentralisedJWT).
 * Its id is Tyk's virtual key, org + md5(identity), so every token of one
 * identity shares one session and one set of rate-limit and quota counters.
 * The policies come from `jwt_policy_field_name`, else the policy of the key
 * named by `jwt_client_base_field`, else `jwt_default_policies`.
 *
 * Unlike Tyk, the session is not written to the store on first sight (a KV
 * write per new identity and per refreshed `exp`); it is derived per request
 * and cached. A session an operator stores under the virtual key (see
 * `meta_data.TykJWTSessionID` in the README) is used as the base instead.
 */

const maxCachedSessions = 10_000;

interface Derived {
  base: Session | null;
  session: Session;
}

const derivedSessions = new Map<string, Derived>();

const denied = (reason: string) => new TykError(403, `key not authorized: ${reason}`);

async function md5Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("MD5", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The policy the token names, directly or through the key of its client id. */
async function claimedPolicy(c: Context<GatewayEnv>, claims: Claims): Promise<string | undefined> {
  const definition = c.get("api").definition;
  if (definition.jwt_policy_field_name) return claimString(claims, definition.jwt_policy_field_name);
  if (!definition.jwt_client_base_field) return undefined;
  const clientId = claims[definition.jwt_client_base_field];
  if (typeof clientId !== "string" || clientId === "") return undefined;
  const client = await c.get("gateway").keys.lookup(clientId, c.get("api").orgId, waitUntilOf(c));
  return client ? policyIdsOf(client.session)[0] : undefined;
}

async function policiesFor(c: Context<GatewayEnv>, claims: Claims): Promise<string[]> {
  const api = c.get("api");
  const defaults = api.definition.jwt_default_policies;
  const claimed = await claimedPolicy(c, claims);
  const base = claimed ?? defaults[0];
  if (!base) throw denied("no matching policy found");
  const snapshot = await c.get("gateway").configCache.current(waitUntilOf(c));
  const policy = snapshot.policies.get(base);
  if (!policy || policy.org_id !== api.orgId) throw denied("no matching policy");
  return claimed ? [claimed] : [...new Set(defaults)];
}

/**
 * The session expires with the token. Tyk copies `exp` as is, so a token the
 * exp skew lets through is then refused as an expired key; the skew is added
 * here so it means what it says.
 */
function derive(base: Session | null, definition: ApiDefinition, identity: string, virtualKey: string, policies: string[], claims: Claims): Session {
  const orgId = definition.org_id;
  const exp = typeof claims["exp"] === "number" ? Math.floor(claims["exp"]) + definition.jwt_expires_at_validation_skew : 0;
  const session = base ?? sessionSchema.parse({ org_id: orgId, alias: identity, meta_data: { TykJWTSessionID: virtualKey } });
  return {
    ...session,
    apply_policies: policies,
    apply_policy_id: "",
    expires: Math.max(session.expires, exp),
    oauth_client_id: oauthClientIdOf(claims),
  };
}

export async function jwtIdentity(c: Context<GatewayEnv>, claims: Claims): Promise<Identity> {
  const api = c.get("api");
  const gateway = c.get("gateway");
  let identity: string;
  try {
    identity = identityOf(claims, api.definition.jwt_identity_base_field);
  } catch (error) {
    if (error instanceof ClaimError) throw new TykError(403, error.message);
    throw error;
  }
  const virtualKey = generateToken(api.orgId, await md5Hex(identity), gateway.config.hashKeyFunction);
  const sessionId = await gateway.keys.storageId(virtualKey);
  const [base, policies] = await Promise.all([gateway.keys.cached(sessionId, waitUntilOf(c)), policiesFor(c, claims)]);

  // One stable object per identity, policies and expiry, so the policy merge cache holds across requests.
  const cacheKey = `${sessionId}\u0000${policies.join(",")}\u0000${String(claims["exp"])}\u0000${oauthClientIdOf(claims)}`;
  const cached = derivedSessions.get(cacheKey);
  if (cached && cached.base === base) return { session: cached.session, sessionId };
  const session = derive(base, api.definition, identity, virtualKey, policies, claims);
  derivedSessions.set(cacheKey, { base, session });
  if (derivedSessions.size > maxCachedSessions) derivedSessions.delete(derivedSessions.keys().next().value!);
  return { session, sessionId };
}
