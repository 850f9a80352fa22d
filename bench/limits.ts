import { cpus, totalmem } from "node:os";
import { busiestWindow, certainlyInOneWindow, load, median, type Interval, type LoadResult } from "./limits.load";
import { limitsApi, seed, startUpstream, startWorld, type World } from "./limits.setup";

/*
 * Rate limit bench: `npx tsx bench/limits.ts`. Loopback only, about 70 s.
 *
 * 1. Throughput of a keyed API whose keys have a rate limit and a quota
 *    (never reached, so every request is decided and counted) against the same
 *    API with keys without limits, interleaved in one run: one hot key in exact
 *    mode, 64 keys in exact mode, one hot key in fast mode.
 * 2. Over-admission under load: a key limited to 50 per 10 seconds, hammered
 *    from two isolates in exact, fast and edge mode (edge: Miniflare's Rate
 *    Limiting binding EDGE_RATE_LIMIT_50_PER_10, shared by both isolates as one
 *    Cloudflare location would share it); the upstream counts arrivals in every
 *    10-second window.
 * 3. The per-object ceiling: a probe Worker calling one RateLimiter object in
 *    a closed loop (rate + quota, one SQLite write each), then four objects.
 */

const isolates = 2;
const connections = 32;
const roundSeconds = 3;
const rounds = 3;
const manyKeys = 64;
const tightRate = 50;
const tightWindowSeconds = 10;
const tightSeconds = 16;
const limitModes = ["exact", "fast", "edge"] as const;
type Mode = (typeof limitModes)[number];
const probeMs = 3000;

const access = Object.fromEntries(limitModes.map((mode) => [mode, { api_id: mode, versions: ["Default"] }]));
const limits = { rate: 1e9, per: 1, quota_max: 1e12, quota_renewal_rate: 3600 };
const limitedKeys = Array.from({ length: manyKeys }, (_, index) => `bench-limited-${index}`);
const keys: Record<string, Record<string, unknown>> = {
  "bench-unlimited": { access_rights: access },
  ...Object.fromEntries(limitedKeys.map((name) => [name, { access_rights: access, ...limits }])),
  ...Object.fromEntries(limitModes.map((mode) => [`bench-tight-${mode}`, { access_rights: access, rate: tightRate, per: tightWindowSeconds }])),
};
const auth = (...names: string[]) => names.map((name) => ({ authorization: name }));
const hotKey = auth(limitedKeys[0]!);

const round = (value: number, digits = 0) => Number(value.toFixed(digits));

function summary(results: LoadResult[]) {
  return {
    rps: round(median(results.map((result) => result.rps))),
    p50Ms: median(results.map((result) => result.p50Ms)),
    p99Ms: median(results.map((result) => result.p99Ms)),
    notOk: results.reduce((sum, result) => sum + result.failed + result.limited, 0),
    failures: Object.fromEntries(results.flatMap((result) => Object.entries(result.failures))),
  };
}

async function throughput(world: World) {
  const scenarios = {
    off: () => load(world.gateways, "/exact/x", auth("bench-unlimited"), connections, roundSeconds),
    exactHotKey: () => load(world.gateways, "/exact/x", hotKey, connections, roundSeconds),
    exactManyKeys: () => load(world.gateways, "/exact/x", auth(...limitedKeys), connections, roundSeconds),
    fastHotKey: () => load(world.gateways, "/fast/x", hotKey, connections, roundSeconds),
  };
  const runs = Object.fromEntries(Object.keys(scenarios).map((name) => [name, [] as LoadResult[]]));
  for (let index = 0; index < rounds; index++) {
    for (const [name, run] of Object.entries(scenarios)) runs[name]!.push(await run());
  }
  const summaries = Object.fromEntries(Object.entries(runs).map(([name, results]) => [name, summary(results)]));
  const off = summaries["off"]!.rps;
  return Object.fromEntries(Object.entries(summaries).map(([name, value]) => [name, { ...value, relativeToOff: round(value.rps / off, 3) }]));
}

async function overAdmission(world: World, arrivals: Map<string, number[]>, mode: Mode) {
  const path = `/tight-${mode}`;
  arrivals.set(path, []);
  const admitted: Interval[] = [];
  const result = await load(world.gateways, `/${mode}${path}`, auth(`bench-tight-${mode}`), connections, tightSeconds, admitted);
  const windowMs = tightWindowSeconds * 1000;
  const busiest = busiestWindow(arrivals.get(path) ?? [], windowMs);
  const certain = certainlyInOneWindow(admitted, windowMs);
  return {
    mode,
    requests: result.requests,
    admitted: result.ok,
    refused: result.limited,
    failed: result.failed,
    failures: result.failures,
    // Decided for certain inside one window (sent and answered in it): above the limit is proven over-admission.
    certainlyDecidedInOneWindow: certain,
    provenOverAdmission: Math.max(0, certain - tightRate),
    // Arrivals at the upstream also move with the latency after the decision, so this can exceed the limit without any over-admission.
    busiestWindowAtUpstream: busiest,
  };
}

async function probe(world: World, objects: number, concurrency: number) {
  const response = await fetch(`${world.probe}/?objects=${objects}&concurrency=${concurrency}&ms=${probeMs}`);
  const body = (await response.json()) as { decisions: number; ms: number };
  const perSecond = (body.decisions * 1000) / body.ms;
  return { objects, concurrency, decisionsPerSecond: round(perSecond), perObject: round(perSecond / objects) };
}

function printSummary(
  speed: Awaited<ReturnType<typeof throughput>>,
  admission: Awaited<ReturnType<typeof overAdmission>>[],
  ceiling: Awaited<ReturnType<typeof probe>>[],
): void {
  const lines = [
    `throughput (median of ${rounds} × ${roundSeconds} s, ${connections} connections over ${isolates} isolates):`,
    ...Object.entries(speed).map(
      ([name, value]) => `  ${name.padEnd(14)} ${String(value.rps).padStart(6)} rps  ×${value.relativeToOff}  p50 ${value.p50Ms} ms  p99 ${value.p99Ms} ms`,
    ),
    `over-admission, ${tightRate} per ${tightWindowSeconds} s, ${tightSeconds} s under load:`,
    ...admission.map(
      (row) =>
        `  ${row.mode.padEnd(5)} admitted ${row.admitted} of ${row.requests}; certainly decided in one window: ${row.certainlyDecidedInOneWindow} (proven over-admission ${row.provenOverAdmission}); busiest window at the upstream ${row.busiestWindowAtUpstream}`,
    ),
    "per-object ceiling (probe, closed loop):",
    ...ceiling.map((row) => `  ${row.objects} object(s), ${row.concurrency} in flight: ${row.decisionsPerSecond} decisions/s (${row.perObject} per object)`),
  ];
  console.log(lines.join("\n"));
}

async function main(): Promise<void> {
  const upstream = await startUpstream();
  const world = await startWorld(isolates, { PORTCULLIS_RATELIMIT_MODE: "exact" });
  try {
    await seed(
      world,
      limitModes.map((mode) => limitsApi(mode, upstream.url, { rate_limit_mode: mode })),
      keys,
    );
    // Warm up: isolates load their config and the objects start.
    await load(world.gateways, "/exact/x", auth(...limitedKeys), 8, 1);
    await load(world.gateways, "/fast/x", hotKey, 8, 1);

    console.error("throughput: limits off vs on, interleaved …");
    const speed = await throughput(world);
    console.error("over-admission under load …");
    const admission = [];
    for (const mode of limitModes) admission.push(await overAdmission(world, upstream.arrivals, mode));
    console.error("per-object ceiling …");
    const ceiling = [await probe(world, 1, 1), await probe(world, 1, 16), await probe(world, 1, 64), await probe(world, 4, 64)];

    printSummary(speed, admission, ceiling);
    const machine = { cpu: cpus()[0]?.model.trim(), cores: cpus().length, memoryGiB: round(totalmem() / 2 ** 30), node: process.version };
    console.log(JSON.stringify({ machine, throughput: speed, overAdmission: admission, perObjectCeiling: ceiling }));
  } finally {
    await world.dispose();
    await upstream.close();
  }
}

await main();
