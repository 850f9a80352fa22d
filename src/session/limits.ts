import type { AccessDefinition, ApiLimit } from "./schema";

/** Tyk's `APILimit.IsEmpty` inverted: a limit with every field zero is "not set". */
export function limitIsSet(limit: ApiLimit | undefined): limit is ApiLimit {
  if (!limit) return false;
  const { rate, per, throttle_interval, throttle_retry_limit, max_query_depth, quota_max, quota_renewal_rate, quota_remaining, quota_renews } = limit;
  return [rate, per, throttle_interval, throttle_retry_limit, max_query_depth, quota_max, quota_renewal_rate, quota_remaining, quota_renews].some(
    (value) => value !== 0,
  );
}

/**
 * The counter scope of a key's limits on one API: `allowance_scope`, else the
 * API id when the key sets a per-API limit. Tyk uses an empty scope there,
 * which makes every API's per-API limit share one counter.
 */
export function scopeOf(access: AccessDefinition | undefined, apiId: string): string {
  return access?.allowance_scope || (limitIsSet(access?.limit) ? apiId : "");
}
