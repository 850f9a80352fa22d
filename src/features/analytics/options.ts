import * as z from "zod";
import { compilePathPattern, pathPatternError } from "../../apidef/paths";
import { list, perVersionFragment } from "../../apidef/schema";
import { authConfigSchema, defaultAuthConfig } from "../../auth/credentials";

/*
 * The analytics fields of a Tyk API definition: `do_not_track`,
 * `tag_headers`, `expire_analytics_after` and each version's
 * `track_endpoints` / `do_not_track_endpoints`.
 */

const endpoint = z.looseObject({
  path: z.string(),
  method: z.string().default(""),
  disabled: z.boolean().default(false),
});

export const analyticsFields = perVersionFragment({ track_endpoints: list(endpoint), do_not_track_endpoints: list(endpoint) }).extend({
  do_not_track: z.boolean().default(false),
  tag_headers: list(z.string()),
  expire_analytics_after: z.number().int().nonnegative().default(0),
  // Read to redact the API's key header from detailed records; honoured by authentication.
  auth: authConfigSchema.default(defaultAuthConfig),
  auth_configs: z.record(z.string(), authConfigSchema).default({}),
});

export const analyticsHonours = [
  "do_not_track",
  "tag_headers",
  "expire_analytics_after",
  ...["track_endpoints", "do_not_track_endpoints"].flatMap((list) =>
    ["path", "method", "disabled"].map((field) => `version_data.versions.*.extended_paths.${list}.*.${field}`),
  ),
];

interface EndpointMatcher {
  path: string;
  pattern: RegExp;
  /** Upper-case; null matches every method. */
  method: string | null;
}

export interface ApiAnalyticsOptions {
  /** Lower-case header names whose values become `<name>-<value>` tags. */
  tagHeaders: string[];
  expireAfterSeconds: number;
  trackEndpoints: Map<string, EndpointMatcher[]>;
  doNotTrackEndpoints: Map<string, EndpointMatcher[]>;
  /** The header the API reads keys from, redacted in detailed records. */
  keyHeader: string;
}

function matchers(entries: z.output<typeof endpoint>[]): EndpointMatcher[] {
  return (
    entries
      // A path that does not compile never matches, as in Tyk, instead of failing the whole API.
      .filter((entry) => !entry.disabled && pathPatternError(entry.path) === null)
      .map((entry) => ({ path: entry.path, pattern: compilePathPattern(entry.path), method: entry.method ? entry.method.toUpperCase() : null }))
  );
}

/** Undefined when the API is not tracked at all. */
export function compileAnalyticsOptions(fields: z.output<typeof analyticsFields>): ApiAnalyticsOptions | undefined {
  if (fields.do_not_track) return undefined;
  const trackEndpoints = new Map<string, EndpointMatcher[]>();
  const doNotTrackEndpoints = new Map<string, EndpointMatcher[]>();
  for (const [name, version] of Object.entries(fields.version_data.versions)) {
    if (!version.use_extended_paths) continue;
    trackEndpoints.set(name, matchers(version.extended_paths.track_endpoints));
    doNotTrackEndpoints.set(name, matchers(version.extended_paths.do_not_track_endpoints));
  }
  return {
    tagHeaders: fields.tag_headers.map((name) => name.toLowerCase()),
    expireAfterSeconds: fields.expire_analytics_after,
    trackEndpoints,
    doNotTrackEndpoints,
    keyHeader: (fields.auth_configs["authToken"] ?? fields.auth).auth_header_name || "Authorization",
  };
}

export function matchEndpoint(list: EndpointMatcher[] | undefined, method: string, path: string): EndpointMatcher | undefined {
  return list?.find((entry) => (entry.method === null || entry.method === method) && entry.pattern.test(path));
}
