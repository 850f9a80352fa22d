import * as z from "zod";

/*
 * Request metrics go to a Workers Analytics Engine dataset bound as METRICS
 * (wrangler.toml `analytics_engine_datasets`); without the binding no API gets
 * a metrics step, so nothing is written and nothing is paid.
 */

function isDataset(value: unknown): value is AnalyticsEngineDataset {
  return typeof value === "object" && value !== null && typeof (value as { writeDataPoint?: unknown }).writeDataPoint === "function";
}

export const metricsEnvShape = {
  METRICS: z.custom<AnalyticsEngineDataset>(isDataset, "must be an Analytics Engine dataset binding").optional(),
};
