import * as z from "zod";
import { compilePathPattern } from "../../apidef/paths";
import type { LruCache } from "../../lib/lru";
import { limitTarget, type LimitTarget } from "../../ratelimit/client";
import type { CounterSpec, RateSpec } from "../../ratelimit/counters";
import type { Limits } from "../../ratelimit/service";
import { quotaSpec, rateSpec } from "../../ratelimit/specs";
import { accessTo } from "../../session/access";
import { limitIsSet, scopeOf } from "../../session/limits";
import type { AccessDefinition, Session } from "../../session/schema";
import type { ApiLimits } from "./api-limits";

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

const hasEndpointLimits = (access: AccessDefinition | undefined): boolean => {
  const raw = access?.["endpoints"];
  return Array.isArray(raw) && raw.length > 0;
};

/** Tyk's endpoint rate limits on a key (`access_rights.<api>.endpoints`); the first entry matching path and method wins. */
function endpointRate(
  access: AccessDefinition | undefined,
  scope: string,
  request: RequestShape,
  patterns: LruCache<string, RegExp | null>,
): RateSpec | null | undefined {
  if (!hasEndpointLimits(access)) return undefined;
  const parsed = endpointsSchema.safeParse(access?.["endpoints"]);
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

/**
 * The key's limiter target for this request, null when the key is unlimited
 * here. Remembered per session object and API unless the key has endpoint
 * limits, which depend on the request.
 */
export function keyTarget(
  limits: Limits,
  identity: { session: Session; sessionId: string },
  apiId: string,
  apiLimits: ApiLimits,
  request: RequestShape,
  patterns: LruCache<string, RegExp | null>,
): LimitTarget | null | Promise<LimitTarget | null> {
  const { session, sessionId } = identity;
  const perRequest = hasEndpointLimits(accessTo(session, apiId));
  if (!perRequest) {
    const plan = limits.keyPlans.get(session)?.get(apiLimits);
    if (plan?.storageId === sessionId) return plan.target;
  }
  const specs = keyCounters(session, apiId, apiLimits, request, patterns);
  const remember = (target: LimitTarget | null): LimitTarget | null => {
    if (perRequest) return target;
    let plans = limits.keyPlans.get(session);
    if (!plans) {
      plans = new WeakMap();
      limits.keyPlans.set(session, plans);
    }
    plans.set(apiLimits, { storageId: sessionId, target });
    return target;
  };
  if (specs.length === 0) return remember(null);
  const name = limits.keyLimiterName(sessionId);
  return typeof name === "string" ? remember(limitTarget(name, specs)) : name.then((resolved) => remember(limitTarget(resolved, specs)));
}
