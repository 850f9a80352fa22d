import * as z from "zod";

/*
 * What the analytics dashboard shows, whichever sink answers: each sink's
 * queries (queries-d1.ts, queries-postgres.ts, queries-clickhouse.ts) fill
 * this shape, and the page draws only from it.
 */

/** A time window in Unix seconds, cut into buckets for the series. */
export const dashboardRangeSchema = z.object({
  from: z.number().int().nonnegative(),
  to: z.number().int().nonnegative(),
  bucketSeconds: z.number().int().positive(),
});

const count = z.number().int().nonnegative();
const milliseconds = z.number().nonnegative();

export const dashboardDataSchema = z.object({
  range: dashboardRangeSchema,
  sink: z.enum(["d1", "postgres", "clickhouse"]),
  totals: z.object({ requests: count, errors: count, errorRate: z.number().min(0).max(1) }),
  /** One entry per bucket that has requests, oldest first; `bucket` is its start in Unix seconds. */
  series: z.array(z.object({ bucket: z.number().int(), requests: count, errors: count })),
  /** Total request latency (Tyk's `request_time`) over the window. */
  latency: z.object({ p50: milliseconds, p95: milliseconds, p99: milliseconds }),
  topApis: z.array(z.object({ apiId: z.string(), apiName: z.string(), requests: count, errors: count })),
  /** Keys as the analytics record carries them (hashed when the gateway hashes keys), with their alias. */
  topKeys: z.array(z.object({ key: z.string(), alias: z.string(), requests: count })),
  statusCodes: z.array(z.object({ code: z.number().int(), requests: count })),
  countries: z.array(z.object({ country: z.string(), requests: count })),
});

export type DashboardRange = z.infer<typeof dashboardRangeSchema>;
export type DashboardData = z.infer<typeof dashboardDataSchema>;

/** One sink's reader for the dashboard; `limit` bounds every top-N list. */
export interface DashboardQueries {
  read(range: DashboardRange, limit: number): Promise<DashboardData>;
}
