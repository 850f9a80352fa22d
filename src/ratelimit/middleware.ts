import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { TykError } from "../errors";
import { waitUntilOf } from "../middleware/wait-until";
import type { GatewayEnv } from "../types";
import type { Verdict } from "./client";
import type { CounterView } from "./counters";
import { ietfHeaderNames, refusalHeaders, successHeaders, tykHeaderNames, type LimitReadings } from "./headers";
import { apiTarget, keyCounters, type LimitTarget } from "./plan";

/*
 * Tyk's RateLimitAndQuotaCheck (key rate limit, then quota) and
 * RateLimitForAPI (global_rate_limit and per-endpoint API limits) as one step.
 * The key's object and the API's object are asked at the same time; when one
 * refuses, the admission the other granted is handed back, so a refused
 * request consumes nothing anywhere.
 */

export const limitMessages = {
  rate: "Rate Limit Exceeded",
  quota: "Quota exceeded",
  api: "API Rate Limit Exceeded",
  unavailable: "Rate limiter unavailable",
} as const;

type Ctx = Context<GatewayEnv>;

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
async function enforce(c: Ctx, key: Checked | null, api: Checked | null): Promise<void> {
  const { limits } = c.get("gateway");
  for (const checked of [key, api]) {
    if (checked?.verdict.kind !== "unavailable") continue;
    limits.recordUnavailable(checked.target.name, checked.verdict.error, c.get("api").id);
    if (!limits.settings.failOpen) {
      await release(key, api);
      throw new TykError(503, limitMessages.unavailable, { "Retry-After": "1" });
    }
  }
  for (const checked of [key, api]) {
    if (checked?.verdict.kind !== "decided" || checked.verdict.decision.allowed) continue;
    const { decision } = checked.verdict;
    const refusedBy = decision.counters.find((view) => view.id === decision.blockedBy)!;
    await release(key, api);
    const headers = refusalHeaders(readingsOf(key, api), refusedBy, limits.settings);
    const message = checked === api ? limitMessages.api : refusedBy.kind === "quota" ? limitMessages.quota : limitMessages.rate;
    throw new TykError(refusedBy.kind === "quota" ? 403 : 429, message, headers);
  }
}

function applyHeaders(target: Headers, headers: Record<string, string>, ietf: boolean): void {
  // X-RateLimit-* always come from the gateway when it limits the request, never from the upstream (as in Tyk).
  for (const name of tykHeaderNames) target.delete(name);
  if (ietf) for (const name of ietfHeaderNames) target.delete(name);
  for (const [name, value] of Object.entries(headers)) target.set(name, value);
}

function decorate(c: Ctx, headers: Record<string, string>): void {
  const { ietfHeaders } = c.get("gateway").limits.settings;
  try {
    applyHeaders(c.res.headers, headers, ietfHeaders);
  } catch (error) {
    // A response whose headers are immutable (one from fetch or the cache) is copied first.
    if (!(error instanceof TypeError)) throw error;
    const copy = new Response(c.res.body, c.res);
    applyHeaders(copy.headers, headers, ietfHeaders);
    c.res = undefined;
    c.res = copy;
  }
}

async function check(c: Ctx, target: LimitTarget | null): Promise<Checked | null> {
  if (!target) return null;
  const mode = c.get("api").limits.mode ?? c.get("gateway").limits.settings.mode;
  return { target, verdict: await c.get("gateway").limits.client.decide(target, mode, waitUntilOf(c)) };
}

export const enforceLimits = createMiddleware<GatewayEnv>(async (c, next) => {
  const api = c.get("api");
  const gateway = c.get("gateway");
  const request = { method: c.req.method, apiPath: c.get("apiPath"), path: c.get("url").pathname };
  // Ignored paths skip the key's limits, as Tyk's RateLimitAndQuotaCheck does; API limits still apply.
  const session = c.get("ignoredPath") ? undefined : c.get("session");
  const sessionId = c.get("sessionId");
  let keyLimits: LimitTarget | null = null;
  if (session && sessionId) {
    const specs = keyCounters(session, api, request);
    if (specs.length > 0) keyLimits = { name: await gateway.limits.keyLimiterName(sessionId), specs };
  }
  const apiLimits = apiTarget(api, c.get("version").name, request);
  if (!keyLimits && !apiLimits) return next();

  const [key, apiChecked] = await Promise.all([check(c, keyLimits), check(c, apiLimits)]);
  await enforce(c, key, apiChecked);
  await next();
  const readings = readingsOf(key, apiChecked);
  const settings = gateway.limits.settings;
  // Tyk sends quota headers only with responses that made it through (not on errors after this step).
  if (c.error && settings.headerSource === "quotas") return;
  decorate(c, successHeaders(readings, settings));
});
