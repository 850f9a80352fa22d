import type { RequestContext } from "../chain/context";
import { defineFeature } from "../chain/feature";
import { responseFlagOf } from "../lib/error-flags";
import { TykError } from "../lib/tyk-error";
import { dataPointOf } from "../metrics/data-point";

/*
 * Request metrics in Workers Analytics Engine (docs/metrics.md): one data
 * point per request to an API, refusals included. It watches the chain from
 * just inside analytics: an error thrown further in is counted with its status
 * and thrown on unchanged, so analytics and the error document are as before.
 * `writeDataPoint` returns at once (the runtime sends in the background), so
 * the client never waits for it.
 */

function cfString(request: Request, name: "colo" | "country"): string {
  const value = (request.cf as Record<string, unknown> | undefined)?.[name];
  return typeof value === "string" ? value : "";
}

function write(dataset: AnalyticsEngineDataset, ctx: RequestContext, status: number, limited: boolean): void {
  try {
    dataset.writeDataPoint(
      dataPointOf({
        apiId: ctx.api.id,
        apiName: ctx.api.name,
        version: ctx.known.version?.name ?? "",
        method: ctx.method,
        status,
        colo: cfString(ctx.request, "colo"),
        country: cfString(ctx.request, "country"),
        limited,
        cached: ctx.servedFromCache,
        upstream: ctx.answeredByUpstream,
        totalMs: Date.now() - ctx.startedAt,
        upstreamMs: ctx.upstreamLatency ?? 0,
      }),
    );
  } catch (error) {
    // A metrics failure never fails the request.
    ctx.log.error("metrics data point dropped", { error });
  }
}

function isLimit(error: TykError): boolean {
  const flag = responseFlagOf(error);
  return flag === "RLT" || flag === "QEX";
}

export const metrics = defineFeature({
  name: "Metrics",
  honours: [],
  observer: true,
  compile: (_fields, _api, settings) => (settings.metrics ? { dataset: settings.metrics } : undefined),
  step:
    ({ dataset }) =>
    async (ctx, next) => {
      let response: Response;
      try {
        response = await next();
      } catch (error) {
        const tykError = error instanceof TykError ? error : undefined;
        write(dataset, ctx, tykError?.status ?? 500, tykError ? isLimit(tykError) : false);
        throw error;
      }
      write(dataset, ctx, response.status, false);
      return response;
    },
});
