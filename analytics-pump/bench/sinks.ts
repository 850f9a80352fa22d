/*
 * `npm run bench:analytics`: records per second into each sink, batches of
 * 100 and 1000, on this machine. Starts its own PostgreSQL and ClickHouse on
 * loopback (as the integration tests do) and a Miniflare D1 database, and
 * drives the pump's sink classes from Node, so the numbers are the databases'
 * write paths (migrations excluded, done in a warm-up write).
 * Options: --batches N (per size, default 20), --sinks d1,postgres,clickhouse,
 * --concurrency N (batches written at once, as Queues runs up to 250 consumer
 * invocations of one queue side by side; default 1), --sizes 100,1000.
 */
import { parseArgs } from "node:util";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { sampleRecord } from "../../test/analytics/support/sample-record";
import { ClickHouseSink } from "../src/sinks/clickhouse";
import { D1Sink } from "../src/sinks/d1";
import { PostgresSink } from "../src/sinks/postgres";
import type { Sink } from "../src/sinks/sink";
import { startClickHouseServer } from "../test/integration/support/clickhouse-server";
import { startPostgresServer } from "../test/integration/support/postgres-server";

const { values } = parseArgs({
  options: {
    batches: { type: "string", default: "20" },
    sinks: { type: "string", default: "d1,postgres,clickhouse" },
    concurrency: { type: "string", default: "1" },
    sizes: { type: "string", default: "100,1000" },
  },
});
const batches = Number(values.batches);
if (!Number.isInteger(batches) || batches < 1 || batches > 200) {
  console.error("--batches must be a whole number from 1 to 200");
  process.exit(2);
}
const concurrency = Number(values.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 250) {
  console.error("--concurrency must be a whole number from 1 to 250");
  process.exit(2);
}
const wanted = new Set(values.sinks.split(",").map((name) => name.trim()));
const sizes = values.sizes.split(",").map(Number);

let serial = 0;
/** Request records only: uptime results are a few per minute per API, not a write-path load. */
const batchOf = (size: number) => ({ requests: Array.from({ length: size }, () => sampleRecord(serial++)), uptime: [] });

interface Result {
  sink: string;
  batchSize: number;
  concurrency: number;
  records: number;
  seconds: number;
}

async function measure(sink: Sink, batchSize: number): Promise<Result> {
  const prepared = Array.from({ length: batches }, () => batchOf(batchSize));
  const started = performance.now();
  // `concurrency` writers take batches off one list, as concurrent consumer invocations would.
  const writer = async () => {
    for (let batch = prepared.shift(); batch; batch = prepared.shift()) await sink.write(batch);
  };
  await Promise.all(Array.from({ length: concurrency }, writer));
  const seconds = (performance.now() - started) / 1000;
  return { sink: sink.name, batchSize, concurrency, records: batchSize * batches, seconds };
}

async function bench(sink: Sink): Promise<Result[]> {
  await sink.write(batchOf(10));
  const results: Result[] = [];
  for (const size of sizes) results.push(await measure(sink, size));
  return results;
}

const cleanups: (() => Promise<unknown>)[] = [];
const results: Result[] = [];
try {
  if (wanted.has("d1")) {
    const mf = new Miniflare(
      convertV4MiniflareOptions({ modules: true, script: "export default {}", d1Databases: { DB: "bench" }, compatibilityDate: "2026-11-01" }),
    );
    cleanups.push(() => mf.dispose());
    results.push(...(await bench(new D1Sink(await mf.getD1Database("DB")))));
  }
  if (wanted.has("postgres")) {
    const server = await startPostgresServer();
    cleanups.push(() => server.dispose());
    results.push(...(await bench(new PostgresSink(server.url))));
  }
  if (wanted.has("clickhouse")) {
    const server = await startClickHouseServer();
    cleanups.push(() => server.dispose());
    results.push(...(await bench(new ClickHouseSink({ url: server.url, database: "default", user: "default", password: "" }))));
  }
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error(error));
}

console.table(
  results.map((result) => ({
    sink: result.sink,
    "batch size": result.batchSize,
    concurrency: result.concurrency,
    records: result.records,
    seconds: Number(result.seconds.toFixed(2)),
    "records/s": Math.round(result.records / result.seconds),
  })),
);
