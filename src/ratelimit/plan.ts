import { z } from "zod";
import type { CompiledApi } from "../apidef/compile";
import { compilePathPattern } from "../apidef/paths";
import type { AccessDefinition, ApiLimit, Session } from "../session/schema";
import { apiRateSpec } from "./api-limits";
import type { CounterSpec, RateSpec } from "./counters";
import { quotaSpec, rateSpec } from "./specs";

/*
 * Which counters a request touches, following Tyk's SessionLimiter: the key's
 * limits come from `access_rights.<api>.limit` when that is set (per-API
 * limits, also what policy partitions produce) and from the session otherwise;
 * a matching `access_rights.<api>.endpoints` entry replaces the rate for that
 * endpoint. API-level limits come from the API definition.
 *
 * Counter names follow Tyk's keys: `r:<scope>` (rate-limit-<scope>-<key>),
 * `q:<scope>` (quota-<scope>-<key>). The scope is `allowance_scope`; Tyk uses
 * an empty scope when a key sets `limit` without one, which makes every API's
 * per-API limit share one counter. Portcullis scopes such limits by API id.
 */

/** One Durable Object and the counters a request books in it. */
export interface LimitTarget {
  name: string;
  specs: CounterSpec[];
}

/** Tyk's `APILimit.IsEmpty`: a limit with every field zero is "not set". */
export function limitIsSet(limit: ApiLimit | undefined): limit is ApiLimit {
  if (!limit) return false;
  return [limit.rate, limit.per, limit.quota_max, limit.quota_renewal_rate, limit.throttle_interval, limit.throttle_retry_limit, limit.max_query_depth].some(
    (value) => value !== 0,
  );
}

/** The counter scope of a key's limits on one API (see above). */
export function scopeOf(access: AccessDefinition | undefined, apiId: string): string {
  return access?.allowance_scope || (limitIsSet(access?.limit) ? apiId : "");
}

const endpointsSchema = z.array(
  z.looseObject({
    path: z.string(),
    methods: z.array(z.looseObject({ name: z.string(), limit: z.looseObject({ rate: z.number().default(0), per: z.number().default(0) }).default({ rate: 0, per: 0 }) })).nullable().default([]),
  }),
);

const maxCachedPatterns = 10_000;
const endpointPatterns = new Map<string, RegExp | null>();

function endpointPattern(path: string): RegExp | null {
  let pattern = endpointPatterns.get(path);
  if (pattern === undefined) {
    try {
      pattern = compilePathPattern(path);
    } catch {
      pattern = null;
    }
    if (endpointPatterns.size >= maxCachedPatterns) endpointPatterns.clear();
    endpointPatterns.set(path, pattern);
  }
  return pattern;
}

interface RequestShape {
  method: string;
  /** The path below the listen path. */
  apiPath: string;
  /** The full request path. */
  path: string;
}

/** Tyk's endpoint rate limits on a key (`access_rights.<api>.endpoints`); the first entry matching path and method wins. */
function endpointRate(access: AccessDefinition | undefined, scope: string, request: RequestShape): RateSpec | null | undefined {
  const raw = access?.["endpoints"];
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const parsed = endpointsSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  for (const endpoint of parsed.data) {
    const method = endpoint.methods?.find((candidate) => candidate.name.toUpperCase() === request.method);
    const pattern = method ? endpointPattern(endpoint.path) : null;
    if (!method || !pattern || !(pattern.test(request.apiPath) || pattern.test(request.path))) continue;
    return rateSpec(`r:${scope}:${request.method} ${endpoint.path}`, method.limit.rate, method.limit.per);
  }
  return undefined;
}

/** The key's counters for this request; none when the key is unlimited here. */
export function keyCounters(session: Session, api: CompiledApi, request: RequestShape): CounterSpec[] {
  const access = session.access_rights[api.id];
  const limits = limitIsSet(access?.limit) ? access.limit : session;
  const scope = scopeOf(access, api.id);
  const specs: CounterSpec[] = [];
  if (!api.limits.rateLimitDisabled) {
    const endpoint = endpointRate(access, scope, request);
    const rate = endpoint === undefined ? rateSpec(`r:${scope}`, limits.rate, limits.per) : endpoint;
    if (rate) specs.push(rate);
  }
  if (!api.limits.quotaDisabled) {
    const quota = quotaSpec(`q:${scope}`, limits.quota_max, limits.quota_renewal_rate);
    if (quota) specs.push(quota);
  }
  return specs;
}

/** The API-wide counter for this request, or null when the API has no limit here. */
export function apiTarget(api: CompiledApi, versionName: string, request: RequestShape): LimitTarget | null {
  const spec = apiRateSpec(api.limits, versionName, request.method, request.apiPath);
  return spec ? { name: `api:${api.id}`, specs: [spec] } : null;
}
