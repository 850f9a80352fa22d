import * as z from "zod";
import { analyticsEnvShape, analyticsSettings, requireAnalyticsQueue } from "./analytics/config";
import { cacheEnvShape, cacheSettings } from "./cache/config";
import { limitsEnvShape, limitsSettings } from "./ratelimit/config";
import { proxyEnvShape, proxySettings } from "./lib/proxy-settings";
import { hashAlgorithms } from "./session/keys";
import { keySettings, keySettingsEnvShape } from "./session/key-settings";
import { clientIpHeaderPattern } from "./lib/client-ip";
import { flag, seconds } from "./lib/env";
import { formatIssues } from "./lib/validation";
import { uptimeEnvShape, uptimeSettings } from "./uptime/config";
import { errorOverridesEnvShape } from "./lib/error-overrides";
import { eventSettings, eventsEnvShape } from "./events/config";
import { regionEnvShape, regionSettings } from "./snapshot/regions";
import { metricsEnvShape } from "./metrics/config";

/**
 * Gateway settings, read from Worker vars and secrets. Names follow Tyk's
 * `TYK_GW_*` environment overrides of `tyk.conf` where Tyk has one.
 */
export const gatewayConfigSchema = z
  .object({
    TYK_GW_SECRET: z.string().optional(),
    TYK_GW_HASHKEYS: flag(true),
    TYK_GW_HASHKEYFUNCTION: z
      .enum([...hashAlgorithms, ""])
      .optional()
      .transform((value) => value || "sha256"),
    TYK_GW_ENABLEHASHEDKEYSLISTING: flag(false),
    TYK_GW_ALLOWMASTERKEYS: flag(false),
    TYK_GW_MINTOKENLENGTH: z.coerce
      .number()
      .int()
      .optional()
      .transform((value) => Math.max(value ?? 3, 3)),
    TYK_GW_HEALTHCHECKENDPOINTNAME: z
      .string()
      .regex(/^[A-Za-z0-9._~-]+$/, "must be a single path segment")
      .optional()
      .transform((value) => value ?? "hello"),
    TYK_GW_HIDEGENERATORHEADER: flag(false),
    TYK_GW_ENABLECUSTOMDOMAINS: flag(true),
    TYK_GW_STORAGE_TYPE: z
      .enum(["kv", "upstash"])
      .optional()
      .transform((value) => value ?? "kv"),
    UPSTASH_REDIS_REST_URL: z.url().optional(),
    UPSTASH_REDIS_REST_TOKEN: z.string().optional(),
    TYK_GW_LOCALSESSIONCACHE_CACHEDSESSIONTIMEOUT: seconds(10),
    /** Tyk checks its datastore every `liveness_check.check_duration` seconds (0: 10) and /hello serves the last result (src/health). */
    TYK_GW_LIVENESSCHECK_CHECKDURATION: seconds(10),
    PORTCULLIS_CONFIG_CHECK_SECONDS: seconds(5),
    /** Longest time a Gateway API key change or reload takes to reach every isolate through the REVOCATIONS object (src/revocation); 0 turns it off. */
    PORTCULLIS_REVOCATION_SECONDS: seconds(2),
    /** The header the proxy in front sets to the caller's address; empty: none is believed (src/lib/client-ip.ts). */
    PORTCULLIS_CLIENT_IP_HEADER: z.string().trim().toLowerCase().regex(clientIpHeaderPattern, "must be a header name, such as cf-connecting-ip").default(""),
    /** Largest body a body transform reads (request or response); over it the request gets 400 "Request is too large" (src/features/body-transform.ts). */
    PORTCULLIS_TRANSFORM_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(32 * 1024 * 1024)
      .optional()
      .transform((value) => value ?? 1024 * 1024),
    ...keySettingsEnvShape,
    ...analyticsEnvShape,
    ...limitsEnvShape,
    ...uptimeEnvShape,
    ...proxyEnvShape,
    ...errorOverridesEnvShape,
    ...cacheEnvShape,
    ...eventsEnvShape,
    ...regionEnvShape,
    ...metricsEnvShape,
  })
  .superRefine(
    (env, ctx) => {
      if (env.TYK_GW_STORAGE_TYPE !== "upstash") return;
      for (const name of ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"] as const) {
        if (!env[name]) ctx.addIssue({ code: "custom", path: [name], message: "required when TYK_GW_STORAGE_TYPE=upstash" });
      }
    },
    // Run even when other variables are invalid, so one error report names them all.
    { when: () => true },
  )
  .superRefine(requireAnalyticsQueue, { when: () => true })
  .transform((env) => ({
    secret: env.TYK_GW_SECRET || undefined,
    hashKeys: env.TYK_GW_HASHKEYS,
    hashKeyFunction: env.TYK_GW_HASHKEYFUNCTION,
    enableHashedKeysListing: env.TYK_GW_ENABLEHASHEDKEYSLISTING,
    allowMasterKeys: env.TYK_GW_ALLOWMASTERKEYS,
    minTokenLength: env.TYK_GW_MINTOKENLENGTH,
    healthCheckEndpointName: env.TYK_GW_HEALTHCHECKENDPOINTNAME,
    hideGeneratorHeader: env.TYK_GW_HIDEGENERATORHEADER,
    enableCustomDomains: env.TYK_GW_ENABLECUSTOMDOMAINS,
    storage:
      env.TYK_GW_STORAGE_TYPE === "upstash"
        ? { type: "upstash" as const, url: env.UPSTASH_REDIS_REST_URL!, token: env.UPSTASH_REDIS_REST_TOKEN! }
        : { type: "kv" as const },
    sessionCacheMs: env.TYK_GW_LOCALSESSIONCACHE_CACHEDSESSIONTIMEOUT * 1000,
    configCheckMs: env.PORTCULLIS_CONFIG_CHECK_SECONDS * 1000,
    revocationBoundMs: env.PORTCULLIS_REVOCATION_SECONDS * 1000,
    clientIpHeader: env.PORTCULLIS_CLIENT_IP_HEADER,
    transformMaxBytes: env.PORTCULLIS_TRANSFORM_MAX_BYTES,
    ...keySettings(env),
    analytics: analyticsSettings(env),
    limits: limitsSettings(env),
    uptime: uptimeSettings(env),
    proxy: proxySettings(env),
    /** Gateway-wide error_overrides (TYK_GW_ERROROVERRIDES), compiled once per isolate; null when there are none. */
    errorOverrides: env.TYK_GW_ERROROVERRIDES,
    cache: cacheSettings(env),
    /** Event webhooks: the EVENTS queue and how its consumer sends them (src/events). */
    events: eventSettings(env),
    /** Segmented regions: the tags of the APIs this Worker serves; undefined: every API (src/snapshot/regions.ts). */
    region: regionSettings(env),
    /** How long /hello serves the last datastore check; Tyk treats 0 as unset. */
    health: { checkDurationMs: (env.TYK_GW_LIVENESSCHECK_CHECKDURATION || 10) * 1000 },
    /** The Analytics Engine dataset request metrics go to (src/metrics); undefined: none are written. */
    metrics: env.METRICS,
  }));

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses the Worker environment; throws a ConfigError naming every bad variable. */
export function parseGatewayConfig(env: Record<string, unknown>): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(env);
  if (!result.success) throw new ConfigError(`invalid gateway configuration: ${formatIssues(result.error)}`);
  return result.data;
}
