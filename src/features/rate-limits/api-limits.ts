import * as z from "zod";
import { compilePathPattern } from "../../apidef/paths";
import { list, pathPattern, perVersionFragment } from "../../apidef/schema";
import { limitModes, type LimitMode } from "../../ratelimit/config";
import { limitTarget, type LimitTarget } from "../../ratelimit/client";
import { rateSpec } from "../../ratelimit/specs";

/*
 * The limit settings of an API definition, compiled once per config version:
 * `global_rate_limit`, the per-endpoint `extended_paths.rate_limit` entries of
 * each version, `disable_rate_limit`, `disable_quota` and the counting mode.
 */

const endpointLimit = z.looseObject({
  path: pathPattern,
  method: z.string().default(""),
  rate: z.number().default(0),
  per: z.number().default(0),
  disabled: z.boolean().default(false),
});

export const limitFields = perVersionFragment({ rate_limit: list(endpointLimit) }).extend({
  /** A limit across all callers of the API (`API Rate Limit Exceeded`). */
  global_rate_limit: z
    .looseObject({ rate: z.number().default(0), per: z.number().default(0), disabled: z.boolean().default(false) })
    .default({ rate: 0, per: 0, disabled: false }),
  disable_rate_limit: z.boolean().default(false),
  disable_quota: z.boolean().default(false),
  /** Portcullis only: how this API's limits are counted; unset uses PORTCULLIS_RATELIMIT_MODE. */
  rate_limit_mode: z.enum(limitModes).optional(),
});

export const limitFieldsHonoured = [
  "global_rate_limit.rate",
  "global_rate_limit.per",
  "global_rate_limit.disabled",
  "disable_rate_limit",
  "disable_quota",
  "rate_limit_mode",
  ...["path", "method", "rate", "per", "disabled"].map((field) => `version_data.versions.*.extended_paths.rate_limit.*.${field}`),
];

interface EndpointLimit {
  pattern: RegExp;
  /** Upper-case; null matches every method. */
  method: string | null;
  target: LimitTarget;
}

export interface ApiLimits {
  /** Undefined defers to the gateway's PORTCULLIS_RATELIMIT_MODE. */
  mode: LimitMode | undefined;
  rateLimitDisabled: boolean;
  quotaDisabled: boolean;
  /** The `api:<id>` object and the global limit, or null. */
  global: LimitTarget | null;
  /** Per version name, in definition order; the first match wins. */
  endpoints: Map<string, EndpointLimit[]>;
}

/** Tyk keeps one counter per endpoint, named after its method and path. */
function endpointLimits(entries: z.output<typeof endpointLimit>[], objectName: string): EndpointLimit[] {
  return entries.flatMap((entry) => {
    const method = entry.method ? entry.method.toUpperCase() : null;
    const spec = entry.disabled ? null : rateSpec(`r:ep:${method ?? "*"} ${entry.path}`, entry.rate, entry.per);
    // An entry Tyk would not enforce (disabled, rate or per <= 0) falls through to the global limit, as in Tyk.
    return spec ? [{ pattern: compilePathPattern(entry.path), method, target: limitTarget(objectName, [spec]) }] : [];
  });
}

export function compileApiLimits(definition: z.output<typeof limitFields>, apiId: string): ApiLimits {
  const objectName = `api:${apiId}`;
  const global = definition.global_rate_limit;
  const globalSpec = global.disabled ? null : rateSpec("r:", global.rate, global.per);
  const endpoints = new Map<string, EndpointLimit[]>();
  for (const [name, version] of Object.entries(definition.version_data.versions)) {
    if (version.use_extended_paths) endpoints.set(name, endpointLimits(version.extended_paths.rate_limit, objectName));
  }
  return {
    mode: definition.rate_limit_mode,
    rateLimitDisabled: definition.disable_rate_limit,
    quotaDisabled: definition.disable_quota,
    global: globalSpec ? limitTarget(objectName, [globalSpec]) : null,
    endpoints,
  };
}

/** The API-level limit of this request: the matching endpoint's, else the global one. */
export function apiTarget(limits: ApiLimits, versionName: string, method: string, apiPath: string): LimitTarget | null {
  if (limits.rateLimitDisabled) return null;
  const endpoint = limits.endpoints
    .get(versionName)
    ?.find((candidate) => (candidate.method === null || candidate.method === method) && candidate.pattern.test(apiPath));
  return endpoint?.target ?? limits.global;
}
