import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { authTokenConfig } from "../auth/credentials";
import { waitUntilOf } from "../middleware/wait-until";
import type { GatewayEnv } from "../types";
import { analyticsOptionsOf, matchEndpoint } from "./api-options";
import { clientIp } from "./client";
import type { AnalyticsSettings } from "./config";
import { rawRequest, rawResponse, readPrefix } from "./raw";
import { buildRecord, type RequestFacts } from "./record";
import { analyticsCounters, senderFor } from "./sender";

const nothing = Promise.resolve(new Uint8Array(0));

function logDropped(stage: string, error: unknown): void {
  analyticsCounters.dropped += 1;
  console.error(JSON.stringify({ message: `analytics record dropped: ${stage} failed`, dropped_total: analyticsCounters.dropped, error: String(error) }));
}

/** Reads the first bytes of a body from its own copy, so the pipeline still streams the original. */
function captureBody(message: Request | Response, maxBytes: number): Promise<Uint8Array> {
  if (!message.body || message.bodyUsed) return nothing;
  try {
    return readPrefix(message.clone().body, maxBytes).catch(() => new Uint8Array(0));
  } catch {
    return nothing;
  }
}

/** The path `track_endpoints` see: below the listen path, version stripped, before URL rewrites (Tyk's order). */
function trackingPath(c: Context<GatewayEnv>): string {
  const below = c.get("url").pathname.slice(c.get("listenPrefix").length) || "/";
  const { enabled, location, stripVersion } = c.get("api").versioning;
  if (!enabled || location !== "url" || !stripVersion) return below;
  const [, name = "", ...rest] = below.split("/");
  return name ? `/${rest.join("/")}` : below;
}

/**
 * Builds the record for a finished request and returns the work that sends it,
 * or undefined when the request is not tracked.
 */
function recordRequest(c: Context<GatewayEnv>, settings: AnalyticsSettings, queue: Queue, startedAt: Date, requestBody: Promise<Uint8Array> | undefined): Promise<void> | undefined {
  const totalMs = Date.now() - startedAt.getTime();
  // Requests that matched no API (the plain 404) belong to no API, as in Tyk, which records none for them.
  const api = c.get("api") as GatewayEnv["Variables"]["api"] | undefined;
  if (!api) return undefined;
  const options = analyticsOptionsOf(api);
  if (options.doNotTrack || settings.ignoredIps.has(clientIp(c.req.raw.headers))) return undefined;

  const version = c.get("version") as GatewayEnv["Variables"]["version"] | undefined;
  const method = c.req.method;
  const path = trackingPath(c);
  if (matchEndpoint(options.doNotTrackEndpoints.get(version?.name ?? ""), method, path)) return undefined;
  const tracked = matchEndpoint(options.trackEndpoints.get(version?.name ?? ""), method, path);

  const response = c.res;
  const responseBody = settings.detailedRecording && response.status !== 101 ? captureBody(response, settings.detailedMaxBytes) : undefined;
  const facts: Omit<RequestFacts, "rawRequest" | "rawResponse"> = {
    id: crypto.randomUUID(),
    startedAt,
    request: c.req.raw,
    url: c.get("url"),
    api,
    version,
    apiPath: c.get("apiPath"),
    listenPrefix: c.get("listenPrefix"),
    rewrittenUrl: c.get("rewrittenUrl"),
    session: c.get("session"),
    sessionId: c.get("sessionId"),
    response,
    failed: c.error !== undefined,
    totalMs,
    upstreamMs: c.get("upstreamLatency"),
    trackedPath: tracked?.path,
  };
  return (async () => {
    let raw = { rawRequest: "", rawResponse: "" };
    if (settings.detailedRecording) {
      const [requestBytes, responseBytes] = await Promise.all([requestBody ?? nothing, responseBody ?? nothing]);
      const keyHeader = authTokenConfig(api).auth_header_name;
      raw = {
        rawRequest: rawRequest(c.req.raw, c.get("url"), requestBytes, settings.detailedMaxBytes, keyHeader),
        rawResponse: rawResponse(response, responseBytes, settings.detailedMaxBytes),
      };
    }
    const record = buildRecord({ ...facts, ...raw }, options, settings.normaliseUrls);
    await senderFor(queue).submit(record, settings.flushMs);
  })().catch((error: unknown) => logDropped("building the record", error));
}

/**
 * Tyk's analytics: one record per request to an API, successes and gateway
 * errors alike (errors rendered by app.onError are the final `c.res` here).
 * It wraps the whole pipeline so it sees the final response and the total
 * time, sends from `waitUntil` so the client never waits for it, and swallows
 * its own failures so a request never fails because of analytics.
 */
export const recordAnalytics = createMiddleware<GatewayEnv>(async (c, next) => {
  const settings = c.get("gateway").config.analytics;
  const queue = settings.queue;
  if (!queue) return next();
  const startedAt = new Date();
  const requestBody = settings.detailedRecording ? captureBody(c.req.raw, settings.detailedMaxBytes) : undefined;
  await next();
  try {
    const work = recordRequest(c, settings, queue, startedAt, requestBody);
    if (work) waitUntilOf(c)(work);
  } catch (error) {
    logDropped("recording", error);
  }
});
