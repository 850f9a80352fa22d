import { rawRequest, rawResponse } from "../../analytics/raw";
import { readPrefix } from "../../lib/bounded-body";
import { buildRecord, type RequestFacts } from "../../analytics/record";
import type { AnalyticsSender } from "../../analytics/sender";
import type { RequestContext } from "../../chain/context";
import { defineFeature } from "../../chain/feature";
import { settle } from "../../chain/step";
import { analyticsFields, analyticsHonours, compileAnalyticsOptions, matchEndpoint, type ApiAnalyticsOptions } from "./options";

/*
 * Tyk's analytics: one record per request to an API, successes and gateway
 * errors alike. The step wraps the whole chain so it sees the final response
 * (errors rendered) and the total time, sends from `waitUntil` so the client
 * never waits for it, and swallows its own failures so a request never fails
 * because of analytics. It runs on APIs that are not served too, so refusals
 * are recorded.
 */

const nothing = Promise.resolve(new Uint8Array(0));

function logDropped(ctx: RequestContext, sender: AnalyticsSender, stage: string, error: unknown): void {
  sender.counters.dropped += 1;
  ctx.log.error(`analytics record dropped: ${stage} failed`, { dropped_total: sender.counters.dropped, error });
}

/** Reads the first bytes of a response body from its own copy, so the client still gets the original. */
function captureBody(message: Response, maxBytes: number): Promise<Uint8Array> {
  if (!message.body || message.bodyUsed) return nothing;
  try {
    return readPrefix(message.clone().body, maxBytes).catch(() => new Uint8Array(0));
  } catch {
    return nothing;
  }
}

/** The path `track_endpoints` see: below the listen path, version stripped, before URL rewrites (Tyk's order). */
function trackingPath(ctx: RequestContext): string {
  const below = ctx.url.pathname.slice(ctx.listenPrefix.length) || "/";
  const { enabled, location, stripVersion } = ctx.api.versioning;
  if (!enabled || location !== "url" || !stripVersion) return below;
  const [, name = "", ...rest] = below.split("/");
  return name ? `/${rest.join("/")}` : below;
}

/** Builds and sends the record of a finished request; undefined when the request is not tracked. */
function record(
  ctx: RequestContext,
  options: ApiAnalyticsOptions,
  sender: AnalyticsSender,
  response: Response,
  failed: boolean,
  requestBody: Promise<Uint8Array> | undefined,
): Promise<void> | undefined {
  const settings = ctx.gateway.config.analytics;
  const totalMs = Date.now() - ctx.startedAt;
  if (settings.ignoredIps.has(ctx.clientIp)) return undefined;
  const { version, identity } = ctx.known;
  const path = trackingPath(ctx);
  const versionName = version?.name ?? "";
  if (matchEndpoint(options.doNotTrackEndpoints.get(versionName), ctx.method, path)) return undefined;
  const tracked = matchEndpoint(options.trackEndpoints.get(versionName), ctx.method, path);

  const responseBody = settings.detailedRecording && response.status !== 101 ? captureBody(response, settings.detailedMaxBytes) : undefined;
  // Built at flush time, after the response went out.
  const facts = (): Omit<RequestFacts, "rawRequest" | "rawResponse"> => ({
    id: crypto.randomUUID(),
    startedAt: new Date(ctx.startedAt),
    request: ctx.request,
    url: ctx.url,
    api: ctx.api,
    version,
    clientIp: ctx.clientIp,
    apiPath: ctx.apiPath,
    listenPrefix: ctx.listenPrefix,
    rewrittenUrl: ctx.rewrittenUrl,
    session: identity?.session,
    sessionId: identity?.sessionId,
    response,
    failed,
    totalMs,
    upstreamMs: ctx.upstreamLatency,
    trackedPath: tracked?.path,
  });
  const noRaw = { rawRequest: "", rawResponse: "" };
  if (!settings.detailedRecording) return sender.submit(() => buildRecord({ ...facts(), ...noRaw }, options, settings.normaliseUrls), settings.flushMs);
  return (async () => {
    // The bodies are read in this request's own waitUntil: their streams belong to it.
    const [requestBytes, responseBytes] = await Promise.all([requestBody ?? nothing, responseBody ?? nothing]);
    const raw = {
      rawRequest: rawRequest(ctx.request, ctx.url, requestBytes, settings.detailedMaxBytes, options.keyHeader),
      rawResponse: rawResponse(response, responseBytes, settings.detailedMaxBytes),
    };
    await sender.submit(() => buildRecord({ ...facts(), ...raw }, options, settings.normaliseUrls), settings.flushMs);
  })().catch((error: unknown) => logDropped(ctx, sender, "building the record", error));
}

export const analytics = defineFeature({
  name: "Analytics",
  fields: analyticsFields,
  honours: analyticsHonours,
  observer: true,
  compile: (fields, _api, config) => (config.analytics.queue ? compileAnalyticsOptions(fields) : undefined),
  step: (options) => async (ctx, next) => {
    const sender = ctx.gateway.analytics;
    if (!sender) return next();
    const settings = ctx.gateway.config.analytics;
    const requestBody = settings.detailedRecording ? readPrefix(ctx.teeBody(), settings.detailedMaxBytes).catch(() => new Uint8Array(0)) : undefined;
    const { response, failed } = await settle(ctx, next);
    try {
      const work = record(ctx, options, sender, response, failed, requestBody);
      if (work) ctx.waitUntil(work);
    } catch (error) {
      logDropped(ctx, sender, "recording", error);
    }
    return response;
  },
});
