import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { messages, TykError } from "../errors";
import { applyPolicies, policyIdsOf } from "../session/policies";
import type { Session } from "../session/schema";
import type { GatewayEnv } from "../types";
import { waitUntilOf } from "./wait-until";

interface Merged {
  version: string;
  orgId: string;
  session: Session | null;
}

/*
 * Policies are merged at request time from the config snapshot, so a policy
 * change reaches existing keys within the config propagation bound without
 * rewriting them. The merge is cached per session object (the isolate's
 * cached session) and snapshot version, so the hot path merges once.
 */
const mergedSessions = new WeakMap<Session, Merged>();

/** The session with its policies applied for this API, or null when they cannot be applied (logged). */
export async function sessionWithPolicies(c: Context<GatewayEnv>, session: Session): Promise<Session | null> {
  if (policyIdsOf(session).length === 0) return session;
  const snapshot = await c.get("gateway").configCache.current(waitUntilOf(c));
  const orgId = c.get("api").orgId;
  const cached = mergedSessions.get(session);
  if (cached && cached.version === snapshot.version && cached.orgId === orgId) return cached.session;
  const result = applyPolicies(session, snapshot.policies, orgId);
  if (!result.ok) {
    console.error(JSON.stringify({ message: "cannot apply the key's policies; refusing the key", api_id: c.get("api").id, error: result.error }));
  }
  const merged = result.ok ? result.session : null;
  mergedSessions.set(session, { version: snapshot.version, orgId, session: merged });
  return merged;
}

/**
 * Runs right after authentication: later steps (expiry, access rights, rate
 * limits) read the merged session from `c.get("session")`. A key whose policies
 * cannot be applied is refused as an unknown key, as Tyk does.
 */
export const applySessionPolicies = createMiddleware<GatewayEnv>(async (c, next) => {
  const session = c.get("session");
  if (session) {
    const merged = await sessionWithPolicies(c, session);
    if (!merged) throw new TykError(403, messages.keyNotFound);
    c.set("session", merged);
  }
  await next();
});
