/*
 * One Analytics Engine data point per request to an API. Analytics Engine
 * columns are positional (blob1…, double1…), so the layout below is the
 * contract docs/metrics.md queries: add new fields at the end, never reorder.
 */

/** What the gateway knows about a finished request. */
export interface RequestMetrics {
  apiId: string;
  apiName: string;
  /** The resolved version's name; "" when the request was refused before versioning. */
  version: string;
  method: string;
  status: number;
  /** Cloudflare's data centre (`request.cf.colo`); "" when unknown (local runs). */
  colo: string;
  /** The caller's country (`request.cf.country`); "" when unknown. */
  country: string;
  /** Refused by a rate limit or quota (Tyk's RLT / QEX). */
  limited: boolean;
  /** Answered by the response cache. */
  cached: boolean;
  /** The answer came from the upstream (now or through the cache), not from the gateway itself. */
  upstream: boolean;
  /** Milliseconds from the request's arrival to its response headers. */
  totalMs: number;
  /** Milliseconds the upstream took to answer with headers; 0 when no upstream was asked. */
  upstreamMs: number;
}

/** Analytics Engine keeps at most 96 bytes of an index. */
const indexBytes = 96;
const encoder = new TextEncoder();

function indexOf(apiId: string): string {
  if (encoder.encode(apiId).byteLength <= indexBytes) return apiId;
  let cut = apiId.slice(0, indexBytes);
  while (encoder.encode(cut).byteLength > indexBytes) cut = cut.slice(0, -1);
  return cut;
}

export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

export function dataPointOf(metrics: RequestMetrics): AnalyticsEngineDataPoint {
  return {
    // Sampling is per index: one API's traffic is sampled on its own.
    indexes: [indexOf(metrics.apiId)],
    blobs: [
      metrics.apiId, //                blob1
      metrics.apiName, //              blob2
      metrics.version, //              blob3
      statusClass(metrics.status), //  blob4  "2xx"
      metrics.colo, //                 blob5  e.g. "FRA"
      metrics.method, //               blob6
      metrics.limited ? "1" : "0", //  blob7
      metrics.cached ? "1" : "0", //   blob8
      metrics.upstream ? "upstream" : "gateway", // blob9
      metrics.country, //              blob10 e.g. "DE"
    ],
    doubles: [
      metrics.totalMs, //    double1
      metrics.upstreamMs, // double2
      metrics.status, //     double3
    ],
  };
}
