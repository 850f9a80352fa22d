import { z } from "zod";
import { compilePathPattern } from "../../apidef/paths";
import type { LruCache } from "../../lib/lru";
import type { LimitTarget } from "../../ratelimit/client";
import type { CounterSpec, RateSpec } from "../../ratelimit/counters";
import { quotaSpec, rateSpec } from "../../ratelimit/specs";
import { accessTo } from "../../session/access";
import { limitIsSet, scopeOf } from "../../session/limits";
import type { AccessDefinition, Session } from "../../session/schema";
import { apiRateSpec, type ApiLimits } from "./api-limits";

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

const endpointsSchema = z.array(
  z.looseObject({
    path: z.string(),
    methods: z
      .array(
        z.looseObject({ name: z.string(), limit: z.looseObject({ rate: z.number().default(0), per: z.number().default(0) }).default({ rate: 0, per: 0 }) }),
      )
      .nullable()
      .default([]),
  }),
);

/** A pattern that does not compile or fails the regex safety check never matches: the key's other limits still apply. */
function endpointPattern(path: string, patterns: LruCache<string, RegExp | null>): RegExp | null {
  const cacheKey = `endpoint:${path}`;
  let pattern = patterns.get(cacheKey);
  if (pattern === undefined) {
    try {
      pattern = compilePathPattern(path);
    } catch {
      pattern = null;
    }
    patterns.set(cacheKey, pattern);
  }
  return pattern;
}

export interface RequestShape {
  method: string;
  /** The path below the listen path. */
  apiPath: string;
  /** The full request path. */
  path: string;
}

/** Tyk's endpoint rate limits on a key (`access_rights.<api>.endpoints`); the first entry matching path and method wins. */
function endpointRate(
  access: AccessDefinition | undefined,
  scope: string,
  request: RequestShape,
  patterns: LruCache<string, RegExp | null>,
): RateSpec | null | undefined {
  const raw = access?.["endpoints"];
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const parsed = endpointsSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  for (const endpoint of parsed.data) {
    const method = endpoint.methods?.find((candidate) => candidate.name.toUpperCase() === request.method);
    const pattern = method ? endpointPattern(endpoint.path, patterns) : null;
    if (!method || !pattern || !(pattern.test(request.apiPath) || pattern.test(request.path))) continue;
    return rateSpec(`r:${scope}:${request.method} ${endpoint.path}`, method.limit.rate, method.limit.per);
  }
  return undefined;
}

/** The key's counters for this request; none when the key is unlimited here. */
export function keyCounters(
  session: Session,
  apiId: string,
  apiLimits: ApiLimits,
  request: RequestShape,
  patterns: LruCache<string, RegExp | null>,
): CounterSpec[] {
  const access = accessTo(session, apiId);
  const limits = limitIsSet(access?.limit) ? access.limit : session;
  const scope = scopeOf(access, apiId);
  const specs: CounterSpec[] = [];
  if (!apiLimits.rateLimitDisabled) {
    const endpoint = endpointRate(access, scope, request, patterns);
    const rate = endpoint === undefined ? rateSpec(`r:${scope}`, limits.rate, limits.per) : endpoint;
    if (rate) specs.push(rate);
  }
  if (!apiLimits.quotaDisabled) {
    const quota = quotaSpec(`q:${scope}`, limits.quota_max, limits.quota_renewal_rate);
    if (quota) specs.push(quota);
  }
  return specs;
}

/** The API-wide counter for this request, or null when the API has no limit here. */
export function apiTarget(apiId: string, apiLimits: ApiLimits, versionName: string, request: RequestShape): LimitTarget | null {
  const spec = apiRateSpec(apiLimits, versionName, request.method, request.apiPath);
  return spec ? { name: `api:${apiId}`, specs: [spec] } : null;
}
