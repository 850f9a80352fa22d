/*
 * `npm run analytics`: per-API hits, errors and latency percentiles for the
 * last hour (or `--minutes N`), read from the local D1 database that the pump
 * fills under `npm start`. Runs `wrangler d1 execute --local` against the same
 * persistence directory as `wrangler dev` (`--persist-to`, default .wrangler/state).
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { z } from "zod";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

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
const outputSchema = z.array(z.object({ results: z.array(rowSchema) }));

function wrangler(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve("wrangler/package.json");
  return join(dirname(manifest), (require(manifest) as { bin: { wrangler: string } }).bin.wrangler);
}

const result = spawnSync(
  process.execPath,
  [
    wrangler(),
    "d1",
    "execute",
    "ANALYTICS_DB",
    "--local",
    "--config",
    "analytics-pump/wrangler.toml",
    "--persist-to",
    values["persist-to"],
    "--json",
    "--command",
    query,
  ],
  { cwd: root, encoding: "utf8" },
);
const output = `${result.stdout}${result.stderr}`;
if (result.status !== 0) {
  if (output.includes("no such table")) {
    console.log("No analytics yet: start the gateway with `npm start`, send it some requests, then run this again.");
    process.exit(0);
  }
  console.error(output.trim());
  process.exit(result.status ?? 1);
}

const parsed = outputSchema.safeParse(JSON.parse(result.stdout));
if (!parsed.success) {
  console.error(`unexpected output from wrangler d1 execute:\n${result.stdout}`);
  process.exit(1);
}
const rows = parsed.data[0]?.results ?? [];
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
