import type { RequestContext } from "../chain/context";
import { defineFeature } from "../chain/feature";
import { messages, TykError } from "../lib/tyk-error";
import { applyPolicies, policyIdsOf } from "../session/policies";
import type { Session } from "../session/schema";

/*
 * Policies are merged at request time from the config snapshot, so a policy
 * change reaches existing keys within the config propagation bound without
 * rewriting them. The merge is remembered per session object (the isolate's
 * cached session) and snapshot version, so the hot path merges once.
 */

/** The session with its policies applied for this API, or null when they cannot be applied (logged). */
export async function sessionWithPolicies(ctx: RequestContext, session: Session): Promise<Session | null> {
  if (policyIdsOf(session).length === 0) return session;
  const { configCache, caches } = ctx.gateway;
  const snapshot = await configCache.current(ctx.waitUntil);
  const orgId = ctx.api.orgId;
  const cached = caches.mergedSessions.get(session);
  if (cached && cached.version === snapshot.version && cached.orgId === orgId) return cached.session;
  const result = applyPolicies(session, snapshot.policies, orgId);
  if (!result.ok) ctx.log.error("cannot apply the key's policies; refusing the key", { error: result.error });
  const merged = result.ok ? result.session : null;
  caches.mergedSessions.set(session, { version: snapshot.version, orgId, session: merged });
  return merged;
}

/**
 * Runs right after authentication: later steps (expiry, access rights, rate
 * limits) read the merged session. A key whose policies cannot be applied is
 * refused as an unknown key, as Tyk does.
 */
export const applySessionPolicies = defineFeature({
  name: "ApplyPolicies",
  honours: [],
  compile: (_fields, api) => (api.keyless ? undefined : true),
  step: () => async (ctx, next) => {
    const session = ctx.session;
    if (session) {
      const merged = await sessionWithPolicies(ctx, session);
      if (!merged) throw new TykError(403, messages.keyNotFound);
      ctx.replaceSession(merged);
    }
    return next();
  },
});
