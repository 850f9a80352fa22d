import * as z from "zod";
import { compilePathPattern } from "../apidef/paths";
import { compileVersions, list, pathPattern, perVersionFragment } from "../apidef/schema";
import { defineFeature } from "../chain/feature";
import { parseGoDuration } from "../lib/go-duration";

/*
 * Tyk's enforced (hard) timeouts: the first enabled
 * `extended_paths.hard_timeouts` entry whose path and method match the
 * request sets the timeout — its `duration` (a Go duration) when above zero,
 * else its `timeout` in seconds; an entry with neither falls back to the
 * version's `global_enforce_timeout` (a Go duration, "" or "0s" for none)
 * unless `global_enforce_timeout_disabled`. As in Tyk, the match runs where
 * the proxy does: on the path after URL rewrites and the method after method
 * transforms, compared exactly (an entry without a method matches nothing).
 * The step only records the timeout; the proxy (src/proxy/send.ts) enforces
 * it, answering 504 `Upstream service reached hard timeout.`.
 */

/** A Go duration in milliseconds; "" is none, as in Tyk. Tyk's schema refuses other text and its validator negative values. */
const goDuration = z
  .string()
  .default("")
  .transform((text, ctx) => {
    const ms = text === "" ? 0 : parseGoDuration(text);
    if (ms === null || ms < 0) {
      ctx.addIssue({ code: "custom", message: 'must be a non-negative Go duration such as "30s", "1m30s" or "500ms"' });
      return z.NEVER;
    }
    return ms;
  });

const hardTimeout = z.looseObject({
  path: pathPattern,
  method: z.string().default(""),
  disabled: z.boolean().default(false),
  timeout: z.number().int().nonnegative().default(0),
  duration: goDuration,
});

const fields = perVersionFragment(
  { hard_timeouts: list(hardTimeout) },
  {
    global_enforce_timeout: goDuration,
    global_enforce_timeout_disabled: z.boolean().default(false),
  },
);

interface EndpointTimeout {
  pattern: RegExp;
  method: string;
  /** null: the entry sets no timeout, so the version's applies. */
  ms: number | null;
}

interface VersionTimeouts {
  endpoints: EndpointTimeout[];
  /** null: no version-wide timeout. */
  globalMs: number | null;
}

function endpointMs(entry: z.output<typeof hardTimeout>): number | null {
  if (entry.duration > 0) return entry.duration;
  return entry.timeout > 0 ? entry.timeout * 1000 : null;
}

export const hardTimeouts = defineFeature({
  name: "EnforcedTimeout",
  fields,
  honours: [
    "version_data.versions.*.global_enforce_timeout",
    "version_data.versions.*.global_enforce_timeout_disabled",
    ...["path", "method", "disabled", "timeout", "duration"].map((field) => `version_data.versions.*.extended_paths.hard_timeouts.*.${field}`),
  ],
  compile: (definition) => {
    const byVersion = compileVersions(definition, (version): VersionTimeouts | undefined => {
      // Tyk reads the version-wide timeout whatever `use_extended_paths` says; the endpoint list only with it.
      const globalMs = version.global_enforce_timeout > 0 && !version.global_enforce_timeout_disabled ? version.global_enforce_timeout : null;
      const entries = version.use_extended_paths ? version.extended_paths.hard_timeouts : [];
      const endpoints = entries
        .filter((entry) => !entry.disabled)
        .map((entry) => ({ pattern: compilePathPattern(entry.path), method: entry.method, ms: endpointMs(entry) }));
      return globalMs === null && endpoints.every((endpoint) => endpoint.ms === null) ? undefined : { endpoints, globalMs };
    });
    return byVersion.size > 0 ? byVersion : undefined;
  },
  step: (byVersion) => async (ctx, next) => {
    const timeouts = byVersion.get(ctx.version.name);
    if (timeouts) {
      const method = ctx.upstreamMethod;
      const endpoint = timeouts.endpoints.find((entry) => entry.method === method && entry.pattern.test(ctx.apiPath));
      ctx.upstreamTimeoutMs = endpoint?.ms ?? timeouts.globalMs ?? undefined;
    }
    return next();
  },
});
