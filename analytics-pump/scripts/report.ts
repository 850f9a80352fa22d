/*
 * `npm run analytics`: per-API hits, errors and latency percentiles, and per
 * checked URL the uptime checks and failures, for the last hour (or
 * `--minutes N`), read from the local D1 database that the pump fills under
 * `npm start` (`--persist-to`, default .wrangler/state).
 */
import { parseArgs } from "node:util";
import * as z from "zod";
import { queryLocalD1 } from "./local-d1";

const { values } = parseArgs({
  options: { minutes: { type: "string", default: "60" }, "persist-to": { type: "string", default: ".wrangler/state" } },
});
const minutes = Number(values.minutes);
if (!Number.isInteger(minutes) || minutes <= 0) {
  console.error(`--minutes must be a positive whole number, got ${JSON.stringify(values.minutes)}`);
  process.exit(2);
}
const since = new Date(Date.now() - minutes * 60_000).toISOString();

/** Nearest-rank percentile over `position` (1-based) of `total` rows. */
const percentile = (p: number) =>
  `min(CASE WHEN position >= CAST(total * ${p} AS INTEGER) + (total * ${p} > CAST(total * ${p} AS INTEGER)) THEN requesttime END)`;

const query = `WITH recent AS (
  SELECT apiid, api_name, responsecode, requesttime,
    row_number() OVER (PARTITION BY apiid ORDER BY requesttime) AS position,
    count(*) OVER (PARTITION BY apiid) AS total
  FROM tyk_analytics WHERE "timestamp" >= '${since}'
)
SELECT apiid, max(api_name) AS api_name, count(*) AS hits, sum(responsecode >= 400) AS errors,
  round(avg(requesttime), 1) AS avg_ms, ${percentile(0.5)} AS p50_ms, ${percentile(0.95)} AS p95_ms,
  ${percentile(0.99)} AS p99_ms, max(requesttime) AS max_ms
FROM recent GROUP BY apiid ORDER BY hits DESC`;

const rowSchema = z.object({
  apiid: z.string(),
  api_name: z.string(),
  hits: z.number(),
  errors: z.number(),
  avg_ms: z.number(),
  p50_ms: z.number(),
  p95_ms: z.number(),
  p99_ms: z.number(),
  max_ms: z.number(),
});

const rows = queryLocalD1(query, rowSchema, values["persist-to"]);
if (!rows) {
  console.log("No analytics yet: start the gateway with `npm start`, send it some requests, then run this again.");
  process.exit(0);
}
console.log(`Requests per API since ${since} (last ${minutes} min), from the local D1 database:`);
if (rows.length === 0) {
  console.log("  none");
} else {
  console.table(
    rows.map((row) => ({
      api: row.api_name ? `${row.api_name} (${row.apiid})` : row.apiid,
      hits: row.hits,
      errors: row.errors,
      "error %": Number(((row.errors / row.hits) * 100).toFixed(1)),
      "avg ms": row.avg_ms,
      "p50 ms": row.p50_ms,
      "p95 ms": row.p95_ms,
      "p99 ms": row.p99_ms,
      "max ms": row.max_ms,
    })),
  );
}

/** A failed check is one Tyk's host checker reported as a TCP error or a server error. */
const uptimeQuery = `SELECT apiid, url, count(*) AS checks, sum(tcperror OR servererror) AS failures, sum(tcperror) AS tcp_errors,
  round(avg(requesttime), 1) AS avg_ms, max(requesttime) AS max_ms
FROM tyk_uptime_analytics WHERE "timestamp" >= '${since}' GROUP BY apiid, url ORDER BY apiid, url`;

const uptimeRowSchema = z.object({
  apiid: z.string(),
  url: z.string(),
  checks: z.number(),
  failures: z.number(),
  tcp_errors: z.number(),
  avg_ms: z.number(),
  max_ms: z.number(),
});

const uptime = queryLocalD1(uptimeQuery, uptimeRowSchema, values["persist-to"]) ?? [];
console.log(`\nUptime checks per URL since ${since}:`);
if (uptime.length === 0) {
  console.log("  none");
} else {
  console.table(
    uptime.map((row) => ({
      api: row.apiid,
      url: row.url,
      checks: row.checks,
      failures: row.failures,
      "failure %": Number(((row.failures / row.checks) * 100).toFixed(1)),
      "tcp errors": row.tcp_errors,
      "mean ms": row.avg_ms,
      "max ms": row.max_ms,
    })),
  );
}
