/*
 * Which answers are stored, and for how long (Tyk's ResponseCacheMiddleware,
 * gateway/res_cache.go). An answer is stored when its status is in the
 * applicable `cache_response_codes` (any status when the list is empty), for
 * the applicable timeout. With `enable_upstream_cache_control`, an upstream
 * header `x-tyk-cache-action-set` stores the answer whatever its status, and
 * the TTL header (`x-tyk-cache-action-set-ttl`, or `cache_control_ttl_header`)
 * replaces the timeout. A TTL of 0 or less stores nothing (Tyk's entry would
 * already be expired when read).
 */

export const upstreamCacheHeader = "x-tyk-cache-action-set";
export const upstreamTtlHeader = "x-tyk-cache-action-set-ttl";

/** What applies to one cached request: the API's options, or an `advance_cache_config` entry's overrides. */
export interface StoreRule {
  responseCodes: readonly number[];
  timeoutSeconds: number;
}

export interface UpstreamControl {
  /** The header carrying the TTL in seconds; undefined when upstream cache control is off. */
  ttlHeader: string | undefined;
}

/** Go's strconv.Atoi: an optional sign and decimal digits, nothing else. */
function goInt(text: string): number | undefined {
  return /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
}

/** Seconds to keep this answer, or null when it is not stored. */
export function storeSeconds(rule: StoreRule, status: number, headers: Headers, upstream: UpstreamControl): number | null {
  let store = rule.responseCodes.length === 0 || rule.responseCodes.includes(status);
  let seconds = rule.timeoutSeconds;
  if (upstream.ttlHeader !== undefined) {
    if (headers.get(upstreamCacheHeader)) store = true;
    const fromUpstream = goInt(headers.get(upstream.ttlHeader) ?? "");
    if (fromUpstream !== undefined) seconds = fromUpstream;
  }
  return store && seconds > 0 ? seconds : null;
}
