import * as z from "zod";
import type { DashboardRange } from "./data";

/*
 * GET /dashboard/data's query: `from` and `to` in Unix seconds (default: the
 * last hour), `bucket` in seconds (default: about 120 buckets in the window),
 * `limit` for the top-N lists. Bounded so one request cannot make a sink scan
 * or return without limit.
 */

export const maxWindowSeconds = 31 * 86_400;
export const maxBuckets = 2_000;
const defaultWindowSeconds = 3_600;
const niceBuckets = [10, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 10_800, 21_600, 43_200, 86_400];

const seconds = (name: string) =>
  z
    .string()
    .regex(/^\d{1,12}$/, `${name} must be a whole number of seconds`)
    .transform(Number)
    .optional();

const querySchema = z.object({
  from: seconds("from"),
  to: seconds("to"),
  bucket: seconds("bucket").pipe(z.number().int().min(1, "bucket must be at least 1 second").max(86_400, "bucket must be at most 86400 seconds").optional()),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, "limit must be a whole number")
    .transform(Number)
    .pipe(z.number().min(1, "limit must be at least 1").max(50, "limit must be at most 50"))
    .default(10),
});

/** The smallest round bucket that cuts the window into at most ~120 pieces. */
export function defaultBucket(windowSeconds: number): number {
  return niceBuckets.find((bucket) => windowSeconds / bucket <= 120) ?? niceBuckets.at(-1)!;
}

export type DashboardQuery = { range: DashboardRange; limit: number };

/** The validated query, or the list of what is wrong with it. */
export function parseDashboardQuery(query: Record<string, string>, nowSeconds: number): { ok: true; value: DashboardQuery } | { ok: false; errors: string[] } {
  const parsed = querySchema.safeParse(query);
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map((issue) => issue.message) };
  const to = parsed.data.to ?? nowSeconds;
  const from = parsed.data.from ?? Math.max(0, to - defaultWindowSeconds);
  const bucketSeconds = parsed.data.bucket ?? defaultBucket(to - from);
  const errors: string[] = [];
  if (from >= to) errors.push("from must be before to");
  else if (to - from > maxWindowSeconds) errors.push(`the window from..to must be at most ${maxWindowSeconds} seconds (31 days)`);
  else if ((to - from) / bucketSeconds > maxBuckets) errors.push(`bucket is too small: the window would have more than ${maxBuckets} buckets`);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { range: { from, to, bucketSeconds }, limit: parsed.data.limit } };
}
