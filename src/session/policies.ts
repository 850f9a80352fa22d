import { accessTo } from "./access";
import { limitIsSet } from "./limits";
import type { AccessDefinition, ApiLimit, Policy, Session } from "./schema";

/*
 * Tyk's policy merge (internal/policy/apply.go): the policies a key lists in
 * `apply_policies` (or the legacy `apply_policy_id`) overwrite its limits and
 * access rights. The most permissive value wins: the rate with the shortest
 * interval between requests, the largest quota (-1 beats everything), the
 * union of access rights. A policy applies whole, or only the partitions it
 * sets (`partitions{quota, rate_limit, acl, complexity}`), or per API
 * (`partitions.per_api`, each API keeping its own limit and counter scope).
 */

export type MergeResult = { ok: true; session: Session } | { ok: false; error: string };

type Limit = ApiLimit & { set_by?: string };
type Right = AccessDefinition & { limit: Limit };

interface MergeState {
  rights: Map<string, Right>;
  didAcl: Set<string>;
  didQuota: Set<string>;
  didRateLimit: Set<string>;
  didComplexity: Set<string>;
  didPerApi: boolean;
  didPartition: boolean;
}

const mixedPolicies = "cannot apply multiple policies when some have per_api set and some are partitioned";

export function policyIdsOf(session: Session): string[] {
  if (session.apply_policies.length > 0) return session.apply_policies;
  return session.apply_policy_id ? [session.apply_policy_id] : [];
}

const emptyLimit = (): Limit => ({
  rate: 0,
  per: 0,
  throttle_interval: 0,
  throttle_retry_limit: 0,
  max_query_depth: 0,
  quota_max: 0,
  quota_renewal_rate: 0,
  quota_remaining: 0,
  quota_renews: 0,
});

/** -1 means unlimited and beats every other value. */
function greater(first: number, second: number): boolean {
  if (first === -1) return true;
  if (second === -1) return false;
  return first > second;
}

const noRate = (limit: { rate: number; per: number }) => limit.rate === 0 || limit.per === 0;
const interval = (limit: { rate: number; per: number }) => (noRate(limit) ? 0 : limit.per / limit.rate);

function union(target: string[], extra: string[]): string[] {
  return [...new Set([...target, ...extra])];
}

function mergeAllowedUrls(first: Right["allowed_urls"], second: Right["allowed_urls"]): Right["allowed_urls"] {
  const merged = new Map<string, string[]>();
  for (const entry of [...first, ...second]) merged.set(entry.url, union(merged.get(entry.url) ?? [], entry.methods));
  return [...merged].map(([url, methods]) => ({ url, methods }));
}

function clearOwnedLimits(session: Session, policies: Policy[]): void {
  for (const { partitions } of policies) {
    const whole = !(partitions.quota || partitions.rate_limit || partitions.acl || partitions.complexity);
    if (whole || partitions.quota) Object.assign(session, { quota_max: 0, quota_remaining: 0 });
    if (whole || partitions.rate_limit) Object.assign(session, { rate: 0, per: 0, throttle_interval: 0, throttle_retry_limit: 0 });
    if (whole || partitions.complexity) session.max_query_depth = 0;
  }
}

/** The policy's rate replaces the API's and the session's when they have none or a slower one. */
function applyRateLimits(session: Session, policy: Policy, limit: Limit): void {
  if (noRate(policy)) return;
  if (noRate(limit) || interval(limit) > interval(policy)) Object.assign(limit, { rate: policy.rate, per: policy.per });
  if (noRate(session) || interval(session) > interval(policy)) Object.assign(session, { rate: policy.rate, per: policy.per });
}

function policyLimit(policy: Policy): Limit {
  const { rate, per, throttle_interval, throttle_retry_limit, max_query_depth, quota_max, quota_renewal_rate } = policy;
  return { ...emptyLimit(), rate, per, throttle_interval, throttle_retry_limit, max_query_depth, quota_max, quota_renewal_rate };
}

function applyPartitioned(session: Session, policy: Policy, state: MergeState): string | null {
  const { partitions } = policy;
  const partitioned = partitions.quota || partitions.rate_limit || partitions.acl || partitions.complexity;
  if (partitioned && state.didPerApi) return mixedPolicies;
  for (const [apiId, access] of Object.entries(policy.access_rights)) {
    const right = state.rights.get(apiId) ?? { ...access, versions: [], allowed_urls: [], limit: emptyLimit() };
    if (!partitioned || partitions.acl) {
      state.didAcl.add(apiId);
      right.api_id ||= access.api_id;
      right.api_name ||= access.api_name;
      right.versions = union(right.versions, access.versions);
      right.allowed_urls = mergeAllowedUrls(right.allowed_urls, access.allowed_urls);
      right.limit.set_by = policy.id;
    }
    if (!partitioned || partitions.quota) {
      state.didQuota.add(apiId);
      if (greater(policy.quota_max, right.limit.quota_max)) {
        right.limit.quota_max = policy.quota_max;
        if (greater(policy.quota_max, session.quota_max)) session.quota_max = policy.quota_max;
      }
      if (policy.quota_renewal_rate > right.limit.quota_renewal_rate) {
        right.limit.quota_renewal_rate = policy.quota_renewal_rate;
        session.quota_renewal_rate = Math.max(session.quota_renewal_rate, policy.quota_renewal_rate);
      }
    }
    if (!partitioned || partitions.rate_limit) {
      state.didRateLimit.add(apiId);
      applyRateLimits(session, policy, right.limit);
      right.limit.throttle_retry_limit = Math.max(right.limit.throttle_retry_limit, policy.throttle_retry_limit);
      right.limit.throttle_interval = Math.max(right.limit.throttle_interval, policy.throttle_interval);
      session.throttle_retry_limit = Math.max(session.throttle_retry_limit, policy.throttle_retry_limit);
      session.throttle_interval = Math.max(session.throttle_interval, policy.throttle_interval);
    }
    if (!partitioned || partitions.complexity) {
      state.didComplexity.add(apiId);
      if (greater(policy.max_query_depth, right.limit.max_query_depth)) {
        right.limit.max_query_depth = policy.max_query_depth;
        if (greater(policy.max_query_depth, session.max_query_depth)) session.max_query_depth = policy.max_query_depth;
      }
    }
    const own = accessTo(session, apiId)?.limit;
    if (own && limitIsSet(own)) right.limit.quota_renews = own.quota_renews;
    state.rights.set(apiId, right);
  }
  if (Object.keys(policy.access_rights).length === 0) applyMasterPolicy(session, policy, partitioned);
  state.didPartition = partitioned;
  return null;
}

/** A policy without access rights sets the session's own limits. */
function applyMasterPolicy(session: Session, policy: Policy, partitioned: boolean): void {
  const { partitions } = policy;
  if (!partitioned || partitions.rate_limit) {
    const { rate, per, throttle_interval, throttle_retry_limit } = policy;
    Object.assign(session, { rate, per, throttle_interval, throttle_retry_limit });
  }
  if (!partitioned || partitions.complexity) session.max_query_depth = policy.max_query_depth;
  if (!partitioned || partitions.quota) Object.assign(session, { quota_max: policy.quota_max, quota_renewal_rate: policy.quota_renewal_rate });
}

/** Merges a per-API policy's limit with what an earlier policy set for the same API: the more permissive wins. */
function mergeApiLimits(next: Right, current: Right): Right {
  const limit = { ...next.limit };
  let replaced = false;
  if (interval(limit) > interval(current.limit)) {
    Object.assign(limit, { rate: current.limit.rate, per: current.limit.per });
    replaced = true;
  }
  if (current.limit.quota_max !== limit.quota_max && greater(current.limit.quota_max, limit.quota_max)) {
    limit.quota_max = current.limit.quota_max;
    replaced = true;
  }
  if (greater(current.limit.quota_renewal_rate, limit.quota_renewal_rate)) limit.quota_renewal_rate = current.limit.quota_renewal_rate;
  if (limit.quota_max === -1) limit.quota_renewal_rate = 0;
  if (!replaced) return { ...next, limit };
  return { ...next, limit: { ...limit, set_by: current.limit.set_by }, allowance_scope: current.allowance_scope };
}

function applyPerApi(session: Session, policy: Policy, state: MergeState): string | null {
  if (state.didPartition) return mixedPolicies;
  for (const [apiId, access] of Object.entries(policy.access_rights)) {
    const ownLimit = limitIsSet(access.limit);
    const scope = ownLimit ? apiId : policy.id;
    let right: Right = {
      ...access,
      allowance_scope: scope,
      limit: { ...(ownLimit ? { ...emptyLimit(), ...access.limit } : policyLimit(policy)), set_by: scope },
    };
    const own = accessTo(session, apiId)?.limit;
    if (own && limitIsSet(own)) right.limit.quota_renews = own.quota_renews;
    const current = state.rights.get(apiId);
    if (current) right = mergeApiLimits(right, current);
    state.rights.set(apiId, right);
    for (const done of [state.didAcl, state.didQuota, state.didRateLimit, state.didComplexity]) done.add(apiId);
  }
  if (Object.keys(policy.access_rights).length > 0) state.didPerApi = true;
  return null;
}

/** APIs a policy only granted access to inherit the session-level limits the other partitions produced. */
function finishRights(session: Session, state: MergeState): Record<string, AccessDefinition> {
  const setters = new Set([...state.rights.values()].map((right) => right.limit.set_by).filter(Boolean));
  const rights = new Map<string, AccessDefinition>();
  for (const [apiId, right] of state.rights) {
    if (!state.didAcl.has(apiId)) continue;
    const { set_by: setBy, ...limit } = right.limit;
    if (!state.didRateLimit.has(apiId)) {
      Object.assign(limit, {
        rate: session.rate,
        per: session.per,
        throttle_interval: session.throttle_interval,
        throttle_retry_limit: session.throttle_retry_limit,
      });
    }
    if (!state.didComplexity.has(apiId)) limit.max_query_depth = session.max_query_depth;
    if (!state.didQuota.has(apiId)) {
      Object.assign(limit, { quota_max: session.quota_max, quota_renewal_rate: session.quota_renewal_rate, quota_renews: session.quota_renews });
    }
    const scope = setters.size > 1 && !right.allowance_scope && setBy ? setBy : right.allowance_scope;
    rights.set(apiId, { ...right, allowance_scope: scope, limit });
  }
  // fromEntries defines own properties: an assignment to `rights["__proto__"]` would replace the prototype instead.
  return Object.fromEntries(rights);
}

/** With a single API in play the session's own limit fields mirror it (Tyk's legacy root vars). */
function mirrorSingleApi(session: Session, rights: Record<string, AccessDefinition>, state: MergeState): void {
  if (state.didQuota.size !== 1 || state.didRateLimit.size !== 1 || state.didComplexity.size !== 1) return;
  for (const { limit } of Object.values(rights)) {
    if (!limit) continue;
    Object.assign(session, {
      rate: limit.rate,
      per: limit.per,
      quota_max: limit.quota_max,
      quota_renews: limit.quota_renews,
      quota_renewal_rate: limit.quota_renewal_rate,
      max_query_depth: limit.max_query_depth,
    });
  }
}

/**
 * Applies the session's policies. `orgId` is the API's organisation: a policy
 * of another organisation is refused, as in Tyk. With several policies a
 * missing one is skipped; with exactly one it is an error. A policy that is
 * `is_inactive` (or, unlike Tyk, which ignores the field, `active: false`)
 * makes the key inactive.
 */
export function applyPolicies(original: Session, policies: ReadonlyMap<string, Policy>, orgId: string | undefined): MergeResult {
  const ids = policyIdsOf(original);
  const session: Session = structuredClone(original);
  if (ids.length === 0) {
    for (const [apiId, access] of Object.entries(session.access_rights)) {
      if (limitIsSet(access.limit)) access.allowance_scope = apiId;
    }
    return { ok: true, session };
  }
  const found: Policy[] = [];
  for (const id of ids) {
    const policy = policies.get(id);
    if (policy) found.push(policy);
    else if (ids.length === 1) return { ok: false, error: `policy not found: "${id}"` };
  }
  clearOwnedLimits(session, found);
  const state: MergeState = {
    rights: new Map(),
    didAcl: new Set(),
    didQuota: new Set(),
    didRateLimit: new Set(),
    didComplexity: new Set(),
    didPerApi: false,
    didPartition: false,
  };
  let inactive = false;
  const tags = new Set<string>();
  for (const policy of found) {
    if (orgId !== undefined && policy.org_id !== orgId) return { ok: false, error: `policy "${policy.id}" belongs to another organisation` };
    const { partitions } = policy;
    if (partitions.per_api && (partitions.quota || partitions.rate_limit || partitions.acl || partitions.complexity)) {
      return { ok: false, error: `cannot apply policy ${policy.id} which has per_api and any of partitions set` };
    }
    const error = partitions.per_api ? applyPerApi(session, policy, state) : applyPartitioned(session, policy, state);
    if (error) return { ok: false, error };
    inactive ||= policy.is_inactive || !policy.active;
    for (const tag of policy.tags) tags.add(tag);
    Object.assign(session.meta_data, policy.meta_data);
    if (policy.last_updated > (session.last_updated ?? "")) session.last_updated = policy.last_updated;
    session.hmac_enabled ||= policy.hmac_enabled;
    session.enable_http_signature_validation ||= policy.enable_http_signature_validation;
  }
  session.is_inactive = inactive;
  session.tags = [...new Set([...tags, ...session.tags])];
  const rights = finishRights(session, state);
  mirrorSingleApi(session, rights, state);
  if (state.didAcl.size > 0) session.access_rights = rights;
  if (Object.keys(rights).length === 0) return { ok: false, error: "key has no valid policies to be applied" };
  return { ok: true, session };
}
