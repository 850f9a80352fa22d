import type { RequestContext } from "../../chain/context";
import type { Next } from "../../chain/step";
import { limitEvent } from "../../events/meta";
import { editHeaders } from "../../lib/response-headers";
import { messages, TykError } from "../../lib/tyk-error";
import type { LimitTarget, Verdict } from "../../ratelimit/client";
import type { CounterView } from "../../ratelimit/counters";
import { ietfHeaderNames, refusalHeaders, successHeaders, tykHeaderNames, type LimitReadings } from "../../ratelimit/headers";
import { apiTarget, type ApiLimits } from "./api-limits";
import { keyTarget } from "./plan";

/*
 * Tyk's RateLimitAndQuotaCheck (key rate limit, then quota) and
 * RateLimitForAPI (global_rate_limit and per-endpoint API limits) as one step.
 * The key's object and the API's object are asked at the same time; when one
 * refuses, the admission the other granted is handed back, so a refused
 * request consumes nothing anywhere. When leases decide both (fast mode's
 * usual case), nothing here waits on a promise before the request goes on.
 */

interface Checked {
  target: LimitTarget;
  verdict: Verdict;
}

function viewOf(checked: Checked | null, kind: CounterView["kind"]): CounterView | undefined {
  if (checked?.verdict.kind !== "decided") return undefined;
  return checked.verdict.decision.counters.find((view) => view.kind === kind);
}

function readingsOf(key: Checked | null, api: Checked | null): LimitReadings {
  const decided = [key, api].find((checked) => checked?.verdict.kind === "decided")?.verdict;
  return {
    keyRate: viewOf(key, "rate"),
    quota: viewOf(key, "quota"),
    apiRate: viewOf(api, "rate"),
    at: decided?.kind === "decided" ? decided.decision.decidedAt : Date.now(),
  };
}

const admitted = (checked: Checked | null): boolean => checked === null || (checked.verdict.kind === "decided" && checked.verdict.decision.allowed);

/** Hands back what the other limiter granted, before the client hears of the refusal. */
async function release(ctx: RequestContext, ...checks: (Checked | null)[]): Promise<void> {
  const { client } = ctx.gateway.limits;
  await Promise.all(checks.map((checked) => (checked ? client.release(checked.verdict) : undefined)));
}

/** Throws the answer for the first refusal, in Tyk's order: key rate limit, quota, API limit. */
async function enforce(ctx: RequestContext, key: Checked | null, api: Checked | null): Promise<void> {
  const { limits } = ctx.gateway;
  for (const checked of [key, api]) {
    if (checked?.verdict.kind !== "unavailable") continue;
    limits.recordUnavailable(checked.target.name, checked.verdict.error, ctx.log);
    if (!limits.settings.failOpen) {
      await release(ctx, key, api);
      throw new TykError(503, messages.limiterUnavailable, { "Retry-After": "1" });
    }
  }
  for (const checked of [key, api]) {
    if (checked?.verdict.kind !== "decided" || checked.verdict.decision.allowed) continue;
    const { decision } = checked.verdict;
    const refusedBy = decision.counters.find((view) => view.id === decision.blockedBy)!;
    await release(ctx, key, api);
    const headers = refusalHeaders(readingsOf(key, api), refusedBy, limits.settings);
    const message = checked === api ? messages.apiRateLimited : refusedBy.kind === "quota" ? messages.quotaExceeded : messages.rateLimited;
    ctx.events?.raise(ctx, ...limitEvent(ctx, refusedBy.kind === "quota", checked === api));
    throw new TykError(refusedBy.kind === "quota" ? 403 : 429, message, headers);
  }
}

function applyHeaders(target: Headers, headers: Record<string, string>, ietf: boolean): void {
  // X-RateLimit-* always come from the gateway when it limits the request, never from the upstream (as in Tyk).
  // Each family is set whole or not at all, and setting replaces: only a family left unset needs deleting.
  if (!("X-RateLimit-Limit" in headers)) for (const name of tykHeaderNames) target.delete(name);
  if (ietf && !("RateLimit" in headers)) for (const name of ietfHeaderNames) target.delete(name);
  for (const [name, value] of Object.entries(headers)) target.set(name, value);
}

const checked = (target: LimitTarget | null, verdict: Verdict | null): Checked | null => (target && verdict ? { target, verdict } : null);

/** Asks both limiters at once; the answers come synchronously when leases cover the request. */
function decideBoth(
  ctx: RequestContext,
  next: Next,
  apiLimits: ApiLimits,
  keyLimits: LimitTarget | null,
  apiLimitsTarget: LimitTarget | null,
): Promise<Response> {
  if (!keyLimits && !apiLimitsTarget) return next();
  const { limits } = ctx.gateway;
  const mode = apiLimits.mode ?? limits.settings.mode;
  const keyVerdict = keyLimits ? limits.client.decide(keyLimits, mode, ctx.waitUntil) : null;
  const apiVerdict = apiLimitsTarget ? limits.client.decide(apiLimitsTarget, mode, ctx.waitUntil) : null;
  if (keyVerdict instanceof Promise || apiVerdict instanceof Promise) {
    return Promise.all([keyVerdict, apiVerdict]).then(([key, api]) => forward(ctx, next, checked(keyLimits, key), checked(apiLimitsTarget, api)));
  }
  return forward(ctx, next, checked(keyLimits, keyVerdict), checked(apiLimitsTarget, apiVerdict));
}

export function enforceLimits(ctx: RequestContext, next: Next, apiLimits: ApiLimits): Promise<Response> {
  // Ignored paths skip the key's limits, as Tyk's RateLimitAndQuotaCheck does; API limits still apply.
  const identity = ctx.ignoredPath ? null : ctx.identity;
  const request = identity ? { method: ctx.method, apiPath: ctx.apiPath, path: ctx.url.pathname } : null;
  const keyLimits = identity && request ? keyTarget(ctx.gateway.limits, identity, ctx.api.id, apiLimits, request, ctx.gateway.caches.sessionPatterns) : null;
  const apiLimitsTarget = apiTarget(apiLimits, ctx.version.name, ctx.method, ctx.apiPath);
  if (keyLimits instanceof Promise) return keyLimits.then((resolved) => decideBoth(ctx, next, apiLimits, resolved, apiLimitsTarget));
  return decideBoth(ctx, next, apiLimits, keyLimits, apiLimitsTarget);
}

async function forward(ctx: RequestContext, next: Next, key: Checked | null, api: Checked | null): Promise<Response> {
  if (!admitted(key) || !admitted(api)) await enforce(ctx, key, api);
  const settings = ctx.gateway.limits.settings;
  const readings = readingsOf(key, api);
  let response: Response;
  try {
    response = await next();
  } catch (error) {
    // Tyk sends quota headers only with responses that made it through; rate_limits headers go on errors too.
    if (settings.headerSource === "quotas" || !(error instanceof TykError)) throw error;
    throw error.withHeaders(successHeaders(readings, settings));
  }
  return editHeaders(response, (target) => applyHeaders(target, successHeaders(readings, settings), settings.ietfHeaders));
}
