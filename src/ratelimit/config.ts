import * as z from "zod";
import { flag as flagWithDefault, milliseconds } from "../lib/env";

/*
 * Rate limit and quota settings. `TYK_GW_RATELIMITRESPONSEHEADERS` is Tyk's
 * `rate_limit_response_headers`; the `PORTCULLIS_RATELIMIT_*` knobs have no Tyk
 * counterpart (Tyk has no Durable Objects to be exact with).
 */

export const limitModes = ["exact", "fast", "edge"] as const;
export type LimitMode = (typeof limitModes)[number];

const flag = flagWithDefault(false);

export const limitsEnvShape = {
  TYK_GW_RATELIMITRESPONSEHEADERS: z
    .enum(["quotas", "rate_limits", ""])
    .optional()
    .transform((value) => value || "quotas"),
  /** The default for APIs whose definition has no `rate_limit_mode`. */
  PORTCULLIS_RATELIMIT_MODE: z
    .enum([...limitModes, ""])
    .optional()
    .transform((value): LimitMode => value || "fast"),
  /** What happens when the limiter cannot be reached: refuse (Tyk's behaviour) or let requests through. */
  PORTCULLIS_RATELIMIT_FAILURE_MODE: z
    .enum(["closed", "open", ""])
    .optional()
    .transform((value) => value || "closed"),
  PORTCULLIS_RATELIMIT_TIMEOUT_MS: milliseconds(1000, 30_000),
  /** Longest fast-mode lease; also capped at a tenth of the window, see the README. */
  PORTCULLIS_RATELIMIT_LEASE_MS: milliseconds(1000, 60_000),
  PORTCULLIS_RATELIMIT_RETRY_AFTER: flag,
  PORTCULLIS_RATELIMIT_IETF_HEADERS: flag,
};

type LimitsEnv = { [name in keyof typeof limitsEnvShape]: z.output<(typeof limitsEnvShape)[name]> };

export interface LimitsSettings {
  /** Where `X-RateLimit-*` values come from: the quota (Tyk's default) or the rate limit. */
  headerSource: "quotas" | "rate_limits";
  mode: LimitMode;
  failOpen: boolean;
  timeoutMs: number;
  leaseMs: number;
  retryAfter: boolean;
  ietfHeaders: boolean;
}

export function limitsSettings(env: LimitsEnv): LimitsSettings {
  return {
    headerSource: env.TYK_GW_RATELIMITRESPONSEHEADERS,
    mode: env.PORTCULLIS_RATELIMIT_MODE,
    failOpen: env.PORTCULLIS_RATELIMIT_FAILURE_MODE === "open",
    timeoutMs: env.PORTCULLIS_RATELIMIT_TIMEOUT_MS,
    leaseMs: env.PORTCULLIS_RATELIMIT_LEASE_MS,
    retryAfter: env.PORTCULLIS_RATELIMIT_RETRY_AFTER,
    ietfHeaders: env.PORTCULLIS_RATELIMIT_IETF_HEADERS,
  };
}
