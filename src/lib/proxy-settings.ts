import * as z from "zod";

/*
 * Upstream settings, read by src/proxy/send.ts (here rather than in src/proxy,
 * which depends on the chain, which depends on the settings).
 * `TYK_GW_PROXYDEFAULTTIMEOUT` is Tyk's `proxy_default_timeout`: seconds
 * (fractions allowed) an upstream has to send its response headers when no
 * hard timeout applies. Tyk uses 30 s when it is unset or not above 0
 * (gateway/reverse_proxy.go, proxyTimeout).
 */

/** Timers take at most 2^31 - 1 ms; a longer wait would fire at once. */
export const longestTimerMs = 2 ** 31 - 1;

const tykDefaultTimeoutSeconds = 30;

export const proxyEnvShape = {
  TYK_GW_PROXYDEFAULTTIMEOUT: z.coerce
    .number()
    .nonnegative()
    .max(longestTimerMs / 1000)
    .optional()
    .transform((seconds) => (seconds !== undefined && seconds > 0 ? seconds : tykDefaultTimeoutSeconds)),
};

type ProxyEnv = { [name in keyof typeof proxyEnvShape]: z.output<(typeof proxyEnvShape)[name]> };

export interface ProxySettings {
  /** How long an upstream may take to send its response headers when no hard timeout applies. */
  defaultTimeoutMs: number;
}

export function proxySettings(env: ProxyEnv): ProxySettings {
  return { defaultTimeoutMs: Math.ceil(env.TYK_GW_PROXYDEFAULTTIMEOUT * 1000) };
}
