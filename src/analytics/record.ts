import type { CoreApi, CoreVersion } from "../apidef/compile";
import { nonVersioned, type AnalyticsRecord } from "../contract/analytics-record";
import type { Session } from "../session/schema";
import type { NormaliseUrls } from "./config";
import { geoOf } from "./geo";
import { normalisePath } from "./normalise";

/** An API's own analytics settings (`tag_headers`, `expire_analytics_after`). */
export interface RecordOptions {
  /** Lower-case header names whose values become `<name>-<value>` tags. */
  tagHeaders: string[];
  expireAfterSeconds: number;
}

/** What the recorder knows about a finished request. */
export interface RequestFacts {
  id: string;
  startedAt: Date;
  request: Request;
  url: URL;
  api: CoreApi;
  version: CoreVersion | undefined;
  clientIp: string;
  /** The path below the listen path after versioning and rewrites. */
  apiPath: string;
  listenPrefix: string;
  rewrittenUrl: URL | undefined;
  session: Session | undefined;
  sessionId: string | undefined;
  response: Response;
  /** The gateway answered with an error (app.onError ran). */
  failed: boolean;
  totalMs: number;
  upstreamMs: number | undefined;
  /** The `track_endpoints` path the request matched. */
  trackedPath: string | undefined;
  rawRequest: string;
  rawResponse: string;
}

/** Tyk's zero `expire_analytics_after`: keep for 100 years. */
const hundredYearsMs = 100 * 365 * 24 * 3600 * 1000;

const contentLength = (headers: Headers): number => {
  const value = Number(headers.get("content-length"));
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
};

function upstreamHost(facts: RequestFacts): string {
  return facts.rewrittenUrl?.host ?? facts.version?.overrideTarget?.host ?? facts.api.targets[0]?.host ?? facts.url.host;
}

function apiVersion(api: CoreApi, version: CoreVersion | undefined): string {
  return api.versioning.enabled && version?.name ? version.name : nonVersioned;
}

/** Tyk's tag order: `tag_headers`, session tags, API tags, then the key, org and API tags. */
function tagsOf(facts: RequestFacts, options: RecordOptions): string[] {
  const tags: string[] = [];
  for (const name of options.tagHeaders) {
    const value = facts.request.headers.get(name);
    if (value !== null) tags.push(`${name}-${value}`);
  }
  tags.push(...(facts.session?.tags ?? []), ...facts.api.tags);
  if (facts.sessionId) tags.push(`key-${facts.sessionId}`);
  if (facts.api.orgId) tags.push(`org-${facts.api.orgId}`);
  tags.push(`api-${facts.api.id}`);
  return [...new Set(tags)];
}

function latencyOf(facts: RequestFacts): AnalyticsRecord["latency"] {
  // Tyk's error handler records the whole time as gateway time.
  const upstream = facts.failed ? 0 : Math.min(facts.upstreamMs ?? 0, facts.totalMs);
  return { total: facts.totalMs, upstream, gateway: facts.totalMs - upstream };
}

export function buildRecord(facts: RequestFacts, options: RecordOptions, normalise: NormaliseUrls | null): AnalyticsRecord {
  const { api, request, startedAt } = facts;
  const rawPath = api.stripListenPath ? facts.apiPath : facts.listenPrefix + facts.apiPath;
  let path = facts.trackedPath ?? rawPath;
  if (normalise) path = normalisePath(path, normalise);
  const oauthId = facts.session?.["oauth_client_id"];
  const expireAfterMs = options.expireAfterSeconds > 0 ? options.expireAfterSeconds * 1000 : hundredYearsMs;
  return {
    id: facts.id,
    method: request.method,
    host: upstreamHost(facts),
    path: path.startsWith("/") ? path : `/${path}`,
    raw_path: rawPath,
    content_length: contentLength(request.headers),
    user_agent: request.headers.get("user-agent") ?? "",
    day: startedAt.getUTCDate(),
    month: startedAt.getUTCMonth() + 1,
    year: startedAt.getUTCFullYear(),
    hour: startedAt.getUTCHours(),
    response_code: facts.response.status,
    api_key: facts.sessionId ?? "",
    timestamp: startedAt.toISOString(),
    api_version: apiVersion(api, facts.version),
    api_name: api.name,
    api_id: api.id,
    org_id: api.orgId,
    oauth_id: typeof oauthId === "string" ? oauthId : "",
    request_time: facts.totalMs,
    raw_request: facts.rawRequest,
    raw_response: facts.rawResponse,
    ip_address: facts.clientIp,
    geo: geoOf(request.cf),
    network: {
      open_connections: 0,
      closed_connections: 0,
      bytes_in: contentLength(request.headers),
      bytes_out: contentLength(facts.response.headers),
    },
    latency: latencyOf(facts),
    tags: tagsOf(facts, options),
    alias: facts.session?.alias ?? "",
    track_path: facts.trackedPath !== undefined,
    expireAt: new Date(startedAt.getTime() + expireAfterMs).toISOString(),
    original_path: facts.url.pathname,
    listen_path: api.listenPath,
  };
}
