import { z } from "zod";
import type { CompiledApi } from "../apidef/compile";
import { compilePathPattern, pathPatternError } from "../apidef/paths";
import { formatIssues } from "../validation";

/*
 * The analytics fields of a Tyk API definition. The gateway's API schema keeps
 * them as unknown extra fields, so they are read here, once per loaded API.
 */

const endpointSchema = z.looseObject({
  path: z.string(),
  method: z.string().default(""),
  disabled: z.boolean().default(false),
});

const endpointList = z.array(endpointSchema).nullable().default([]).transform((value) => value ?? []);

const versionSchema = z.looseObject({
  use_extended_paths: z.boolean().default(true),
  extended_paths: z
    .looseObject({ track_endpoints: endpointList, do_not_track_endpoints: endpointList })
    .default({ track_endpoints: [], do_not_track_endpoints: [] }),
});

const analyticsFieldsSchema = z.looseObject({
  do_not_track: z.boolean().default(false),
  tag_headers: z.array(z.string()).nullable().default([]).transform((value) => value ?? []),
  expire_analytics_after: z.number().int().nonnegative().default(0),
  version_data: z.looseObject({ versions: z.record(z.string(), versionSchema).default({}) }).default({ versions: {} }),
});

export interface EndpointMatcher {
  path: string;
  pattern: RegExp;
  /** Upper-case; null matches every method. */
  method: string | null;
}

export interface ApiAnalyticsOptions {
  doNotTrack: boolean;
  /** Lower-case header names whose values become `<name>-<value>` tags. */
  tagHeaders: string[];
  expireAfterSeconds: number;
  trackEndpoints: Map<string, EndpointMatcher[]>;
  doNotTrackEndpoints: Map<string, EndpointMatcher[]>;
}

const cache = new WeakMap<CompiledApi, ApiAnalyticsOptions>();

function matchers(entries: z.output<typeof endpointSchema>[]): EndpointMatcher[] {
  return entries
    // A path that does not compile never matches, as in Tyk, instead of failing the whole API.
    .filter((entry) => !entry.disabled && pathPatternError(entry.path) === null)
    .map((entry) => ({ path: entry.path, pattern: compilePathPattern(entry.path), method: entry.method ? entry.method.toUpperCase() : null }));
}

function compile(api: CompiledApi): ApiAnalyticsOptions {
  const parsed = analyticsFieldsSchema.safeParse(api.definition);
  if (!parsed.success) {
    console.warn(JSON.stringify({ message: "analytics fields of the API definition ignored", api_id: api.id, error: formatIssues(parsed.error) }));
  }
  const fields = parsed.success ? parsed.data : analyticsFieldsSchema.parse({});
  const trackEndpoints = new Map<string, EndpointMatcher[]>();
  const doNotTrackEndpoints = new Map<string, EndpointMatcher[]>();
  for (const [name, version] of Object.entries(fields.version_data.versions)) {
    if (!version.use_extended_paths) continue;
    trackEndpoints.set(name, matchers(version.extended_paths.track_endpoints));
    doNotTrackEndpoints.set(name, matchers(version.extended_paths.do_not_track_endpoints));
  }
  return {
    doNotTrack: fields.do_not_track,
    tagHeaders: fields.tag_headers.map((name) => name.toLowerCase()),
    expireAfterSeconds: fields.expire_analytics_after,
    trackEndpoints,
    doNotTrackEndpoints,
  };
}

export function analyticsOptionsOf(api: CompiledApi): ApiAnalyticsOptions {
  let options = cache.get(api);
  if (!options) {
    options = compile(api);
    cache.set(api, options);
  }
  return options;
}

export function matchEndpoint(list: EndpointMatcher[] | undefined, method: string, path: string): EndpointMatcher | undefined {
  return list?.find((entry) => (entry.method === null || entry.method === method) && entry.pattern.test(path));
}
