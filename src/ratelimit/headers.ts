import type { LimitsSettings } from "./config";
import type { CounterView } from "./counters";

/*
 * Rate limit response headers. Tyk's `X-RateLimit-*` come from the quota by
 * default (`rate_limit_response_headers: quotas`, success responses only, Reset
 * a Unix time) or from the rate limit (`rate_limits`, also on 429s). API-level
 * values are used only when the key has no rate limit, as in Tyk.
 *
 * Beyond Tyk, opt-in: `Retry-After` on 429 and quota 403 answers (Tyk issue
 * #8191), and the IETF httpapi draft's `RateLimit-Policy` / `RateLimit`
 * structured fields (issue #8192) naming every limit the request was checked against.
 */

/** What one request was checked against; `at` is the limiter's clock when it decided. */
export interface LimitReadings {
  keyRate?: CounterView;
  quota?: CounterView;
  apiRate?: CounterView;
  at: number;
}

type HeaderSettings = Pick<LimitsSettings, "headerSource" | "retryAfter" | "ietfHeaders">;

export const tykHeaderNames = ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"] as const;
export const ietfHeaderNames = ["ratelimit-policy", "ratelimit"] as const;

const unixSeconds = (ms: number) => Math.ceil(ms / 1000);
const secondsUntil = (resetAt: number, at: number) => Math.max(0, Math.ceil((resetAt - at) / 1000));

function tykHeaders(view: CounterView, unixReset: number): Record<string, string> {
  return {
    "X-RateLimit-Limit": String(view.limit),
    "X-RateLimit-Remaining": String(view.remaining),
    "X-RateLimit-Reset": String(unixReset),
  };
}

function rateHeaders(readings: LimitReadings): Record<string, string> {
  const rate = readings.keyRate ?? readings.apiRate;
  return rate ? tykHeaders(rate, unixSeconds(rate.resetAt)) : {};
}

function ietfHeaders(readings: LimitReadings): Record<string, string> {
  const limits: [string, CounterView][] = [];
  if (readings.keyRate) limits.push(["rate", readings.keyRate]);
  if (readings.quota) limits.push(["quota", readings.quota]);
  if (readings.apiRate) limits.push(["api", readings.apiRate]);
  if (limits.length === 0) return {};
  // A quota that never renews has neither a window nor a reset time.
  const window = (view: CounterView) => (view.windowMs > 0 ? `;w=${Math.round(view.windowMs / 1000)}` : "");
  const reset = (view: CounterView) => (view.resetAt > 0 ? `;t=${secondsUntil(view.resetAt, readings.at)}` : "");
  return {
    "RateLimit-Policy": limits.map(([name, view]) => `"${name}";q=${view.limit}${window(view)}`).join(", "),
    RateLimit: limits.map(([name, view]) => `"${name}";r=${view.remaining}${reset(view)}`).join(", "),
  };
}

/** Headers for a request that passed every limit. */
export function successHeaders(readings: LimitReadings, settings: HeaderSettings): Record<string, string> {
  const quota = readings.quota;
  const tyk = settings.headerSource === "rate_limits" ? rateHeaders(readings) : quota ? tykHeaders(quota, unixSeconds(quota.resetAt)) : {};
  return settings.ietfHeaders ? { ...tyk, ...ietfHeaders(readings) } : tyk;
}

/** Headers for a request one limit refused. Quota values are not sent on refusals, as in Tyk. */
export function refusalHeaders(readings: LimitReadings, refusedBy: CounterView, settings: HeaderSettings): Record<string, string> {
  const headers = settings.headerSource === "rate_limits" ? rateHeaders(readings) : {};
  if (settings.retryAfter && refusedBy.resetAt > 0) headers["Retry-After"] = String(Math.max(1, secondsUntil(refusedBy.resetAt, readings.at)));
  return settings.ietfHeaders ? { ...headers, ...ietfHeaders(readings) } : headers;
}
