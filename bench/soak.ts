/**
 * `npm run soak [-- --requests N --rate R --idle S]`: does the gateway's memory
 * stay flat under a long, varied load? Runs the gateway bundled as `wrangler
 * deploy` bundles it, in workerd through Miniflare (KV, RateLimiter and
 * CircuitBreaker objects, the analytics queue with a consuming Worker), sends
 * N requests at R per second over loopback across many APIs, keys, JWT
 * identities and unique paths, bumps the config version every 30 s (so
 * snapshots are recompiled and the old ones must be freed), then leaves it
 * idle. Samples the workerd process's resident set every second and the
 * gateway isolate's live heap (through the inspector, after a forced GC)
 * every 30 s, and fits their growth per 10,000 requests after the warm-up
 * (bench/soak-report.ts has the pass marks). Not part of `npm test`: the
 * default run takes 6 to 20 minutes, depending on how fast the machine is.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { configVersionKey } from "../src/store/store";
import { bundleWorker, readWorkerConfig } from "./bundle";
import { analyticsSinkName, startGateway, type Contestant } from "./contestants";
import { MemoryProbe, type Sample } from "./soak-memory";
import { judge, writeSoakReport, type LoadStats, type SoakSettings } from "./soak-report";
import { RequestMix, soakSeed, type SoakRequest } from "./soak-seed";
import { freePort, machine, sleep } from "./system";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const resultsDir = join(repoRoot, "bench", "results");

function readSettings(): SoakSettings {
  const { values } = parseArgs({
    options: {
      requests: { type: "string", default: "100000" },
      rate: { type: "string", default: "350" },
      concurrency: { type: "string", default: "32" },
      sample: { type: "string", default: "1" },
      idle: { type: "string", default: "60" },
      reload: { type: "string", default: "30" },
      minutes: { type: "string", default: "20" },
      gc: { type: "string", default: "30" },
    },
    strict: true,
    allowPositionals: false,
  });
  const settings = {
    requests: Number(values.requests),
    rate: Number(values.rate),
    concurrency: Number(values.concurrency),
    sampleSec: Number(values.sample),
    idleSec: Number(values.idle),
    reloadSec: Number(values.reload),
    maxLoadSec: Number(values.minutes) * 60,
    gcSec: Number(values.gc),
  };
  for (const [name, value] of Object.entries(settings)) {
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name}: expected a positive number, got ${String(value)}`);
  }
  return settings;
}

const startedAt = Date.now();
const log = (message: string) => console.error(`[${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${message}`);
const cleanups: (() => Promise<unknown>)[] = [];

async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()!().catch((error) => console.error("clean-up failed:", error));
}

/** An upstream that answers every path with a small JSON body, so unique paths are ordinary 200s. */
async function startUpstream(): Promise<string> {
  const body = JSON.stringify({ ok: true, service: "portcullis-soak-upstream" });
  const server: Server = createServer({ keepAliveTimeout: 120_000 }, (request, response) => {
    request.resume();
    response.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) }).end(body);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  cleanups.push(() => new Promise((done) => server.close(done)));
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("the upstream has no address");
  return `http://127.0.0.1:${address.port}`;
}

function emptyStats(): LoadStats {
  return { completed: 0, socketErrors: 0, byKind: {} };
}

function count(stats: LoadStats, request: SoakRequest, status: number | "socket error"): void {
  stats.completed++;
  const kind = stats.byKind[request.kind] ?? { sent: 0, expected: request.expected, asExpected: 0, other: {} };
  stats.byKind[request.kind] = kind;
  kind.sent++;
  if (status === request.expected) kind.asExpected++;
  else kind.other[String(status)] = (kind.other[String(status)] ?? 0) + 1;
  if (status === "socket error") stats.socketErrors++;
}

/**
 * Sends the requests at `rate` per second from `concurrency` clients, each
 * waiting at most 10 s; a machine too busy for the rate stops at `maxLoadSec`.
 */
async function drive(origin: string, mix: RequestMix, settings: SoakSettings, stats: LoadStats): Promise<void> {
  const interval = 1000 / settings.rate;
  const begin = performance.now();
  let issued = 0;
  const client = async () => {
    while (issued < settings.requests && performance.now() - begin < settings.maxLoadSec * 1000) {
      const due = begin + issued++ * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const request = mix.next();
      try {
        const response = await fetch(`${origin}${request.path}`, { headers: request.headers, signal: AbortSignal.timeout(10_000) });
        await response.arrayBuffer();
        count(stats, request, response.status);
      } catch {
        count(stats, request, "socket error");
      }
    }
  };
  await Promise.all(Array.from({ length: settings.concurrency }, client));
}

async function analyticsRecords(gateway: Contestant): Promise<number> {
  const sink = await gateway.miniflare.getWorker(analyticsSinkName);
  const answer = (await (await sink.fetch("http://sink/")).json()) as { records: number };
  return answer.records;
}

async function soak(settings: SoakSettings): Promise<boolean> {
  const config = readWorkerConfig(join(repoRoot, "wrangler.toml"));
  const tmp = await mkdtemp(join(tmpdir(), "portcullis-soak-"));
  cleanups.push(() => rm(tmp, { recursive: true, force: true }));
  log("bundling the gateway with wrangler deploy --dry-run");
  const bundle = await bundleWorker(join(repoRoot, "wrangler.toml"), join(tmp, "gateway"), repoRoot);
  const upstream = await startUpstream();
  const seed = soakSeed(upstream);
  log(`starting workerd and seeding ${seed.entries.length} store entries`);
  const features = { rateLimiter: true, circuitBreaker: true, analyticsQueue: true, analyticsSink: true };
  const gateway = await startGateway("gateway (soak)", bundle, config, seed.entries, { inspectorPort: await freePort() }, features);
  cleanups.push(() => gateway.stop());
  const probe = await MemoryProbe.open(gateway, "gateway");
  cleanups.push(async () => probe.close());
  if (probe.inspectorError) log(`no heap figures (inspector: ${probe.inspectorError}); sampling the resident set only`);

  const mix = new RequestMix(seed);
  const stats = emptyStats();
  const samples: Sample[] = [];
  let phase: Sample["phase"] = "load";
  const logEvery = Math.max(1, Math.round(10 / settings.sampleSec));
  const gcEvery = Math.max(1, Math.round(settings.gcSec / settings.sampleSec));
  /** A forced GC (see soak-memory.ts) every `gcSec`, and at the end of each phase. */
  const takeSample = async (collectGarbage = samples.length % gcEvery === 0) => {
    const reading = await probe.read(collectGarbage);
    samples.push({ atSec: (Date.now() - startedAt) / 1000, requests: stats.completed, phase, ...reading });
    if (!collectGarbage && samples.length % logEvery !== 0) return;
    const inUse = reading.heapInUseMiB === undefined ? "" : `, heap in use ${reading.heapInUseMiB.toFixed(1)} MiB`;
    const live = reading.liveHeapMiB === undefined ? "" : `, live heap after GC ${reading.liveHeapMiB.toFixed(1)} MiB`;
    const memory = `RSS ${reading.rssMiB.toFixed(1)} MiB (anonymous ${reading.anonMiB.toFixed(1)})`;
    log(`${phase}: ${stats.completed.toLocaleString("en")} requests, workerd ${memory}${inUse}${live}`);
  };
  let sampling = Promise.resolve();
  const sampler = setInterval(() => {
    sampling = sampling.then(() => takeSample()).catch((error) => log(`sample failed: ${String(error)}`));
  }, settings.sampleSec * 1000);
  cleanups.push(async () => clearInterval(sampler));
  const kv = await gateway.miniflare.getKVNamespace("GATEWAY_KV", "gateway");
  let reloads = 0;
  const reloader = setInterval(
    () => void kv.put(configVersionKey, `soak-${++reloads}`).catch((error) => log(`reload failed: ${String(error)}`)),
    settings.reloadSec * 1000,
  );
  cleanups.push(async () => clearInterval(reloader));

  log(
    `load: ${settings.requests.toLocaleString("en")} requests at ${settings.rate}/s; warm-up (every pool visited once) ${mix.warmupRequests.toLocaleString("en")}`,
  );
  const loadStartedAt = Date.now();
  await takeSample(true);
  await drive(gateway.origin, mix, settings, stats);
  const loadSec = (Date.now() - loadStartedAt) / 1000;
  clearInterval(reloader);
  await sampling;
  await takeSample(true);

  phase = "idle";
  const records = async () => analyticsRecords(gateway).catch(() => Number.NaN);
  for (let waited = 0; waited < 15 && (await records()) < stats.completed; waited++) await sleep(1000);
  const recorded = await records();
  log(`analytics: ${recorded.toLocaleString("en")} records for ${stats.completed.toLocaleString("en")} requests; idle for ${settings.idleSec} s`);
  await sleep(settings.idleSec * 1000);
  clearInterval(sampler);
  await sampling;
  await takeSample(true);

  const verdict = judge({ settings, stats, samples, warmupRequests: mix.warmupRequests, loadSec, reloads, analyticsRecords: recorded });
  const paths = await writeSoakReport(verdict, { date: new Date(startedAt).toISOString(), machine: machine(), heapNote: probe.inspectorError }, resultsDir);
  console.log(`\n${verdict.summary}\n\n${paths.join(" and ")} written`);
  return verdict.passed;
}

let settings: SoakSettings;
try {
  settings = readSettings();
} catch (error) {
  console.error(
    `${error instanceof Error ? error.message : String(error)}\nusage: npm run soak [-- --requests N --rate R --minutes M --concurrency C --sample S --gc S --idle S --reload S]`,
  );
  process.exit(2);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
// Never outlive the planned run by much, whatever hangs.
const boundSec = settings.maxLoadSec + settings.idleSec + 300;
setTimeout(() => {
  console.error(`soak: still running after ${boundSec.toFixed(0)} s; giving up`);
  void cleanUp().finally(() => process.exit(1));
}, boundSec * 1000).unref();

try {
  const passed = await soak(settings);
  await cleanUp();
  process.exit(passed ? 0 : 1);
} catch (error) {
  console.error("soak failed:", error);
  await cleanUp();
  process.exit(1);
}
