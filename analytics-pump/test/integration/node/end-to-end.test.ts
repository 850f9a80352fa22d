import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Miniflare } from "miniflare";
import pg from "pg";
import { afterAll, beforeAll, expect, inject, it } from "vitest";
import { freePort } from "../../../../test/support/free-port";
import { startEchoUpstream } from "../../../../test/support/upstream";
import { adminSecret, type Bundles, bundleAll, startGatewayProcess, startPumpProcess, type PumpSettings } from "./support/deployment";
import { type HoldAt, type SlowProxy, startSlowProxy } from "./support/slow-proxy";
import { clickhouseHas, clickhousePaths, d1Paths, postgresHas, postgresPaths, type Tally, tally } from "./support/stored-paths";

/*
 * Analytics end to end: requests through the gateway (bundled by wrangler as
 * for deployment), their records through the real queue into the pump, and
 * from the pump into a real PostgreSQL, a real ClickHouse and D1.
 *
 * "Killed" means the pump's workerd process gets SIGKILL while the pump holds
 * a delivered, unacknowledged batch that PostgreSQL has already committed: no
 * handler, finally block or retry of the pump's own runs, its sockets just
 * drop. That is what an evicted isolate, a crashed machine or a deploy
 * cutting an invocation leaves behind, and Queues answers it by redelivering
 * the batch to a fresh consumer. The pump is killed twice: once while
 * ClickHouse (a slow network hop away) has not yet received the batch, once
 * after ClickHouse committed it but before the pump heard back. Meanwhile
 * requests keep coming and queue up. Every request must then be in every
 * sink exactly once.
 *
 * Miniflare keeps a queue in the memory of the process that defines its
 * consumer, so the queue's consumer stays in the gateway's process and
 * forwards each delivery to the pump's process (support/pump-link.worker.ts):
 * killing the pump loses nothing that Cloudflare Queues would keep. Miniflare's
 * queue logs every retried message through a round trip to this Node process,
 * so on a busy machine a redelivery can wait seconds; Cloudflare has no such
 * delay, and the bounds below allow for it.
 */

const requests = 2_000;
const concurrency = 32;
/** ClickHouse's extra latency while the test waits to kill: keeps a batch in the pump long enough to be caught mid-write. */
const clickhouseHoldMs = 250;
const pumpDownMs = 300;
const drainTimeoutMs = 30_000;
/** After the last record lands, how long the test keeps looking for late duplicates. */
const settleMs = 2_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface LinkState {
  inFlight: string[][];
  deliveries: number;
  failed: number;
  acked: number;
  retried: number;
  redelivered: number;
}

let bundles: Bundles;
let upstream: { server: Server; url: string };
let clickhouseProxy: SlowProxy;
let gateway: { miniflare: Miniflare; origin: string };
let pump: Miniflare | undefined;
let settings: PumpSettings;
/** The test's own connection, for reading what the pump wrote. */
let postgres: pg.Client;
let link: Awaited<ReturnType<Miniflare["getWorker"]>>;
const logs: string[] = [];
const clickhouseUrl = () => inject("clickhouseUrl");

beforeAll(async () => {
  const postgresUrl = inject("postgresUrl");
  [bundles, upstream, clickhouseProxy] = await Promise.all([bundleAll(), startEchoUpstream(), startSlowProxy(clickhouseUrl())]);
  const port = await freePort();
  settings = { persistDir: mkdtempSync(join(tmpdir(), "portcullis-e2e-pump-")), port, postgresUrl, clickhouseUrl: clickhouseProxy.url };
  gateway = await startGatewayProcess(bundles, `127.0.0.1:${port}`, logs);
  pump = await startPumpProcess(bundles, settings, logs);
  link = await gateway.miniflare.getWorker("pump-link");
  postgres = new pg.Client({ connectionString: postgresUrl });
  await postgres.connect();
}, 120_000);

afterAll(async () => {
  await postgres?.end();
  await pump?.dispose();
  await gateway?.miniflare.dispose();
  await clickhouseProxy?.close();
  await new Promise<void>((resolve) => (upstream ? upstream.server.close(() => resolve()) : resolve()));
  if (settings) rmSync(settings.persistDir, { recursive: true, force: true });
});

async function linkState(): Promise<LinkState> {
  return (await (await link.fetch("http://link/state")).json()) as LinkState;
}

async function admin(path: string, init: RequestInit = {}): Promise<void> {
  const response = await fetch(`${gateway.origin}${path}`, { ...init, headers: { "x-tyk-authorization": adminSecret, "content-type": "application/json" } });
  expect(response.status, await response.clone().text()).toBe(200);
  await response.body?.cancel();
}

async function loadApi(apiId: string): Promise<void> {
  const definition = {
    api_id: apiId,
    name: apiId,
    org_id: "end-to-end",
    use_keyless: true,
    proxy: { listen_path: `/${apiId}/`, target_url: upstream.url, strip_listen_path: true },
    version_data: { not_versioned: true, versions: { Default: { name: "Default" } } },
  };
  await admin("/tyk/apis", { method: "POST", body: JSON.stringify(definition) });
  await admin("/tyk/reload");
}

/** Sends every request (each its own path) with `concurrency` in flight; resolves to the count of each status. */
async function sendAll(apiId: string, paths: string[]): Promise<Record<number, number>> {
  const statuses: Record<number, number> = {};
  let next = 0;
  const client = async () => {
    while (next < paths.length) {
      const response = await fetch(`${gateway.origin}/${apiId}${paths[next++]!}`);
      await response.body?.cancel();
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return statuses;
}

interface Kill {
  holdAt: HoldAt;
  atMs: number;
  batch: number;
  committedInPostgres: number;
  committedInClickHouse: number;
  downMs: number;
}

/**
 * Waits for a batch in the pump that PostgreSQL has committed (and, when
 * ClickHouse's answers are held, that ClickHouse has committed too), kills the
 * pump's process before it acks, and starts a new one.
 */
async function killMidBatch(started: number, holdAt: HoldAt): Promise<Kill> {
  clickhouseProxy.hold = { at: holdAt, ms: clickhouseHoldMs };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    for (const ids of (await linkState()).inFlight) {
      const [inPostgres, inClickHouse] = await Promise.all([postgresHas(postgres, ids), holdAt === "response" ? clickhouseHas(clickhouseUrl(), ids) : 1]);
      if (inPostgres === 0 || inClickHouse === 0) continue;
      const killedAt = Date.now();
      await pump!.dispose();
      pump = undefined;
      const [committedInPostgres, committedInClickHouse] = await Promise.all([postgresHas(postgres, ids), clickhouseHas(clickhouseUrl(), ids)]);
      await sleep(pumpDownMs);
      pump = await startPumpProcess(bundles, settings, logs);
      return { holdAt, atMs: killedAt - started, batch: ids.length, committedInPostgres, committedInClickHouse, downMs: Date.now() - killedAt };
    }
    await sleep(5);
  }
  throw new Error(`no batch was caught in the pump with committed records within 20 s\n${logs.join("\n")}`);
}

async function tallies(apiId: string, expected: string[]): Promise<Record<"postgres" | "clickhouse" | "d1", Tally>> {
  const [inPostgres, inClickHouse, inD1] = await Promise.all([postgresPaths(postgres, apiId), clickhousePaths(clickhouseUrl(), apiId), d1Paths(pump!, apiId)]);
  return { postgres: tally(inPostgres, expected), clickhouse: tally(inClickHouse, expected), d1: tally(inD1, expected) };
}

it(`stores each of ${requests} requests exactly once in PostgreSQL, ClickHouse and D1 with the pump killed mid-batch twice`, { timeout: 120_000 }, async () => {
  const apiId = `e2e${Date.now()}`;
  const paths = Array.from({ length: requests }, (_, index) => `/r/${index}`);
  await loadApi(apiId);

  const started = Date.now();
  const sending = sendAll(apiId, paths);
  const kills = [await killMidBatch(started, "request"), await killMidBatch(started, "response")];
  clickhouseProxy.hold = { at: "request", ms: 0 };
  const statuses = await sending;
  const sentAtMs = Date.now() - started;

  let counts = await tallies(apiId, paths);
  while (Object.values(counts).some((sink) => sink.distinct < requests) && Date.now() - started < sentAtMs + drainTimeoutMs) {
    await sleep(250);
    counts = await tallies(apiId, paths);
  }
  const drainedAtMs = Date.now() - started;
  await sleep(settleMs);
  counts = await tallies(apiId, paths);
  const link = await linkState();
  const capture = await gateway.miniflare.getWorker("dead-letters");
  const deadLettered = (await (await capture.fetch("http://capture/messages")).json()) as unknown[];

  const summary = (sink: Tally) => ({ rows: sink.rows, distinct: sink.distinct, missing: sink.missing.length, duplicated: sink.duplicated.length });
  console.log(
    JSON.stringify({
      requests,
      statuses,
      kills,
      sentAtMs,
      drainedAtMs,
      postgres: summary(counts.postgres),
      clickhouse: summary(counts.clickhouse),
      d1: summary(counts.d1),
      link,
      deadLettered: deadLettered.length,
    }),
  );

  expect(statuses).toEqual({ 200: requests });
  // Each kill cut a delivery in the middle, and the queue delivered those batches again.
  expect(link.failed).toBe(2);
  expect(link.redelivered).toBeGreaterThanOrEqual(kills[0]!.batch + kills[1]!.batch);
  expect(kills.map((kill) => kill.committedInPostgres > 0)).toEqual([true, true]);
  expect(kills[1]!.committedInClickHouse).toBeGreaterThan(0);
  expect(deadLettered).toEqual([]);
  for (const [sink, found] of Object.entries(counts)) {
    const examples = JSON.stringify({ missing: found.missing.slice(0, 5), duplicated: found.duplicated.slice(0, 5), unexpected: found.unexpected.slice(0, 5) });
    expect(
      { sink, rows: found.rows, missing: found.missing.length, duplicated: found.duplicated.length, unexpected: found.unexpected.length },
      examples,
    ).toEqual({
      sink,
      rows: requests,
      missing: 0,
      duplicated: 0,
      unexpected: 0,
    });
  }
});
