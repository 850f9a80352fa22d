import type { RequestContext } from "../../chain/context";
import type { Next } from "../../chain/step";
import { limitEvent } from "../../events/meta";
import { editHeaders } from "../../lib/response-headers";
import { messages, TykError } from "../../lib/tyk-error";
import type { LimitTarget, Verdict } from "../../ratelimit/client";
import type { CounterView } from "../../ratelimit/counters";
import { ietfHeaderNames, refusalHeaders, successHeaders, tykHeaderNames, type LimitReadings } from "../../ratelimit/headers";
import type { ApiLimits } from "./api-limits";
import { apiTarget, keyCounters, type RequestShape } from "./plan";

/*
 * Tyk's RateLimitAndQuotaCheck (key rate limit, then quota) and
 * RateLimitForAPI (global_rate_limit and per-endpoint API limits) as one step.
 * The key's object and the API's object are asked at the same time; when one
 * refuses, the admission the other granted is handed back, so a refused
 * request consumes nothing anywhere.
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

/** Hands back what the other limiter granted, before the client hears of the refusal. */
async function release(...checks: (Checked | null)[]): Promise<void> {
  await Promise.all(checks.map((checked) => (checked?.verdict.kind === "decided" && checked.verdict.decision.allowed ? checked.verdict.release() : undefined)));
}

/** Throws the answer for the first refusal, in Tyk's order: key rate limit, quota, API limit. */
async function enforce(ctx: RequestContext, key: Checked | null, api: Checked | null): Promise<void> {
  const { limits } = ctx.gateway;
  for (const checked of [key, api]) {
    if (checked?.verdict.kind !== "unavailable") continue;
    limits.recordUnavailable(checked.target.name, checked.verdict.error, ctx.log);
    if (!limits.settings.failOpen) {
      await release(key, api);
      throw new TykError(503, messages.limiterUnavailable, { "Retry-After": "1" });
    }
  }
  for (const checked of [key, api]) {
    if (checked?.verdict.kind !== "decided" || checked.verdict.decision.allowed) continue;
    const { decision } = checked.verdict;
    const refusedBy = decision.counters.find((view) => view.id === decision.blockedBy)!;
    await release(key, api);
    const headers = refusalHeaders(readingsOf(key, api), refusedBy, limits.settings);
    const message = checked === api ? messages.apiRateLimited : refusedBy.kind === "quota" ? messages.quotaExceeded : messages.rateLimited;
    ctx.events?.raise(ctx, ...limitEvent(ctx, refusedBy.kind === "quota", checked === api));
    throw new TykError(refusedBy.kind === "quota" ? 403 : 429, message, headers);
  }
}

function applyHeaders(target: Headers, headers: Record<string, string>, ietf: boolean): void {
  // X-RateLimit-* always come from the gateway when it limits the request, never from the upstream (as in Tyk).
  for (const name of tykHeaderNames) target.delete(name);
  if (ietf) for (const name of ietfHeaderNames) target.delete(name);
  for (const [name, value] of Object.entries(headers)) target.set(name, value);
}

async function check(ctx: RequestContext, apiLimits: ApiLimits, target: LimitTarget | null): Promise<Checked | null> {
  if (!target) return null;
  const { limits } = ctx.gateway;
  const mode = apiLimits.mode ?? limits.settings.mode;
  return { target, verdict: await limits.client.decide(target, mode, ctx.waitUntil) };
}

/** The key's limiter target for this request, when the key is limited here. */
async function keyTarget(ctx: RequestContext, apiLimits: ApiLimits, request: RequestShape): Promise<LimitTarget | null> {
  // Ignored paths skip the key's limits, as Tyk's RateLimitAndQuotaCheck does; API limits still apply.
  const identity = ctx.ignoredPath ? null : ctx.identity;
  if (!identity) return null;
  const specs = keyCounters(identity.session, ctx.api.id, apiLimits, request, ctx.gateway.caches.sessionPatterns);
  return specs.length > 0 ? { name: await ctx.gateway.limits.keyLimiterName(identity.sessionId), specs } : null;
}

export async function enforceLimits(ctx: RequestContext, next: Next, apiLimits: ApiLimits): Promise<Response> {
  const request = { method: ctx.method, apiPath: ctx.apiPath, path: ctx.url.pathname };
  const keyLimits = await keyTarget(ctx, apiLimits, request);
  const apiLimitsTarget = apiTarget(ctx.api.id, apiLimits, ctx.version.name, request);
  if (!keyLimits && !apiLimitsTarget) return next();

  const [key, api] = await Promise.all([check(ctx, apiLimits, keyLimits), check(ctx, apiLimits, apiLimitsTarget)]);
  await enforce(ctx, key, api);
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
