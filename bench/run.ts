/**
 * `npm run bench [-- --quick]`: the gateway against a bare pass-through Worker
 * on the same runtime, loopback only, bounded in time. `-- --profile <scenario>`
 * captures a CPU profile of the gateway instead; `-- --startup [--repeats N]`
 * measures only the bundle and the start-up. See /work/notes/bench-readme.md.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { bundleWorker, emptyWorker, readWorkerConfig, type Bundle, type WorkerConfig } from "./bundle";
import { Budget, compare, fullPlan, quickPlan, type PacedPhase } from "./compare";
import { startCountingGateway, startGateway, startPassthrough, startPeer, type Contestant, type PeerKeys } from "./contestants";
import { loadGenerator } from "./load";
import { latencyGoals, latencyNice, latencyScenarioId, peerGoals } from "./goals";
import { runProfile } from "./profile-command";
import { runStartup } from "./startup-command";
import { measureRemoteLimits, sectionPlan } from "./limits-remote";
import { consoleSummary, writeReport, type BenchReport, type Goal, type ScenarioReport } from "./report";
import { featuresFor, runProbes, scenarios, type MeasuredScenario, type Origins } from "./scenarios";
import { benchOidcClientId, startOidcIssuer } from "./oidc-issuer";
import { basicSeed, keylessListenPath, authListenPath, routeTableSeed } from "./seed";
import { measureStartup } from "./startup";
import { measureStoreReads } from "./store-reads";
import { machine } from "./system";
import { smallPath, startUpstream, type Upstream } from "./upstream";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const resultsDir = join(repoRoot, "bench", "results");
const usage = "usage: npm run bench [-- --quick] [-- --only <ids>] | npm run bench -- --profile <id> [--seconds N] | npm run bench -- --startup [--repeats N]";

function readFlags() {
  try {
    return parseArgs({
      options: {
        quick: { type: "boolean", default: false },
        /** A scenario id (or "pass-through") to CPU-profile instead of benchmarking. */
        profile: { type: "string" },
        seconds: { type: "string", default: "10" },
        /** Comma-separated scenario ids to measure; the others are listed as not selected. */
        only: { type: "string" },
        /** Only the bundle sizes and start-up times (`--repeats N` fresh processes each, default 5). */
        startup: { type: "boolean", default: false },
        repeats: { type: "string", default: "5" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
    process.exit(2);
  }
}

const flags = readFlags();
const quick = flags.quick;
const profileScenario = flags.profile;
const profileSeconds = Number(flags.seconds);
const only = flags.only === undefined ? undefined : new Set(flags.only.split(",").filter(Boolean));
const unknownIds = [...(only ?? [])].filter((id) => !scenarios.some((scenario) => scenario.id === id));
if (unknownIds.length > 0) {
  console.error(`--only: unknown scenario ${unknownIds.join(", ")}; choose from ${scenarios.map((s) => s.id).join(", ")}`);
  process.exit(2);
}
const plan = quick ? quickPlan : fullPlan;
/**
 * Load phases must fit in this (about 53 s per scenario in a full run, plus the keyless
 * latency series); set-up and teardown take the rest of the 25 (or 3) minutes.
 */
const budgetSec = quick ? 150 : 1500;

const startedAt = Date.now();
const cleanups: (() => Promise<unknown>)[] = [];
const log = (message: string) => console.error(`[${((Date.now() - startedAt) / 1000).toFixed(0).padStart(3)} s] ${message}`);

async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()!().catch((error) => console.error("clean-up failed:", error));
}

function track<T extends { stop(): Promise<void> }>(resource: T): T {
  cleanups.push(() => resource.stop());
  return resource;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}
// Last resort if something hangs: never outlive the promised bound by much.
setTimeout(
  () => {
    console.error(`bench: still running after ${budgetSec + 60} s; giving up`);
    void cleanUp().finally(() => process.exit(1));
  },
  (budgetSec + 60) * 1000,
).unref();

function workerdVersion(): string {
  const fromMiniflare = createRequire(createRequire(import.meta.url).resolve("miniflare"));
  return (fromMiniflare("workerd/package.json") as { version: string }).version;
}

async function bundles(
  config: WorkerConfig,
  outdir: string,
): Promise<{ gateway: Bundle; passthrough: Bundle; counter: Bundle; peer: Bundle; peerFree: Bundle }> {
  const [gateway, passthrough, counter, peer, peerFree] = await Promise.all([
    bundleWorker(join(repoRoot, "wrangler.toml"), join(outdir, "gateway"), repoRoot),
    bundleWorker(join(repoRoot, "bench/passthrough/wrangler.toml"), join(outdir, "passthrough"), repoRoot, config),
    bundleWorker(join(repoRoot, "bench/kv-counter/wrangler.toml"), join(outdir, "kv-counter"), repoRoot, config),
    bundleWorker(join(repoRoot, "bench/peer/wrangler.toml"), join(outdir, "peer"), repoRoot, config),
    bundleWorker(join(repoRoot, "bench/peer/free-bindings/wrangler.toml"), join(outdir, "peer-free"), repoRoot, config),
  ]);
  return { gateway, passthrough, counter, peer, peerFree };
}

/** The rate limiter behind a modelled round trip: full runs only (about 40 s), after the scenarios and within the budget. */
async function remoteLimitsSection(budget: Budget): Promise<BenchReport["remoteLimits"]> {
  if (quick || only) return { skipped: "full runs only (alone: npx tsx bench/limits-remote.ts)" };
  if (!budget.allows(45)) return { skipped: "time budget exhausted" };
  log("rate limits behind a round trip (0, 10, 50 ms)");
  return measureRemoteLimits(sectionPlan, log).catch((error: unknown) => ({ error: String(error) }));
}

function goals(reports: ScenarioReport[], storeReads: BenchReport["storeReads"]): Goal[] {
  const keyless = reports.find((report) => report.id === "keyless")?.comparison;
  const shaping = reports.find((report) => report.id === "request-shaping")?.comparison;
  const guarded = reports.find((report) => report.id === "traffic-control")?.comparison;
  const cacheHit = reports.find((report) => report.id === "cache-hit")?.comparison;
  const reads = "error" in storeReads ? undefined : storeReads.steady.filter((row) => !row.failure);
  const worstReads = reads?.length ? Math.max(...reads.map((row) => row.readsPerRequest)) : Number.NaN;
  return [
    {
      goal: "Keyless throughput ≥ 0.95 × pass-through",
      value: keyless ? `${keyless.throughputRatio.toFixed(3)} × measured (CPU ratio ${keyless.cpuRatio.toFixed(3)} ×)` : "–",
      met: keyless ? keyless.throughputRatio >= 0.95 : null,
    },
    ...latencyGoals(keyless),
    {
      goal: "CORS + IP allow list + header transforms ≥ 0.95 × the same API keyless",
      value: shaping ? `${shaping.throughputRatio.toFixed(3)} × measured (CPU ratio ${shaping.cpuRatio.toFixed(3)} ×)` : "–",
      met: shaping ? shaping.throughputRatio >= 0.95 : null,
    },
    {
      goal: "Healthy hard timeout + circuit breaker ≥ 0.97 × the same API keyless",
      value: guarded ? `${guarded.throughputRatio.toFixed(3)} × measured (CPU ratio ${guarded.cpuRatio.toFixed(3)} ×)` : "–",
      met: guarded ? guarded.throughputRatio >= 0.97 : null,
    },
    {
      goal: "Response cache hit ≥ 1.5 × pass-through (the upstream is skipped)",
      value: cacheHit ? `${cacheHit.throughputRatio.toFixed(3)} × measured (CPU ratio ${cacheHit.cpuRatio.toFixed(3)} ×)` : "–",
      met: cacheHit ? cacheHit.throughputRatio >= 1.5 : null,
    },
    {
      // Background reads (config poll, session refresh) happen per interval, not per request.
      goal: "0 store reads per request in steady state",
      value: reads ? reads.map((row) => `${row.scenario}: ${row.reads} reads / ${row.requests} requests`).join("; ") : "–",
      met: reads?.length ? worstReads < 0.001 : null,
    },
    ...peerGoals(
      reports,
      scenarios.filter((scenario) => scenario.peer === "peer").map((scenario) => scenario.id),
    ),
  ];
}

async function measureScenario(
  scenario: MeasuredScenario,
  origins: Origins,
  generators: Awaited<ReturnType<typeof loadGenerator>>,
  budget: Budget,
  reserveSec: number,
  gateway: Contestant | undefined,
): Promise<ScenarioReport> {
  const base = { id: scenario.id, title: scenario.title };
  const probeFailure = await runProbes(scenario.probes(origins)).catch((error: unknown) => String(error));
  if (probeFailure) {
    const logs = gateway?.recentLogs.length ? ` · gateway log: ${gateway.recentLogs.slice(-3).join(" | ")}` : "";
    return { ...base, status: "failed", note: `probe failed: ${probeFailure}${logs}` };
  }
  if (!budget.allows(Budget.minimumComparisonSec(plan) + reserveSec)) return { ...base, status: "skipped", note: "time budget exhausted" };
  const baseline = scenario.baseline(origins);
  const measuredSide = scenario.scenario(origins);
  // The latency series runs its processes above the machine's other load (see PacedPhase.priority).
  const pacedPhase: PacedPhase =
    scenario.id === latencyScenarioId
      ? {
          pairs: plan.latencyPairs,
          runSec: plan.latencyRunSec,
          priority: { nice: latencyNice, pids: [origins.pids.upstream, baseline.pid, measuredSide.pid] },
        }
      : { pairs: plan.pacedPairs, runSec: plan.pacedRunSec };
  const comparison = await compare(baseline, measuredSide, generators, plan, budget, reserveSec, pacedPhase);
  return { ...base, status: "measured", baseline: baseline.label, comparison, note: comparison.warnings.join("; ") || undefined };
}

async function benchmark(): Promise<void> {
  const budget = new Budget(budgetSec);
  const notes: string[] = [];
  const config = readWorkerConfig(join(repoRoot, "wrangler.toml"));
  const tmp = await mkdtemp(join(tmpdir(), "portcullis-bench-"));
  cleanups.push(() => rm(tmp, { recursive: true, force: true }));

  log("bundling the gateway, the pass-through and the store-read counter with wrangler deploy --dry-run");
  const built = await bundles(config, tmp);
  const upstream: Upstream = track(await startUpstream(notes));
  const generators = await loadGenerator(notes);
  log(`upstream: ${upstream.description}; load: ${generators.saturating.name}`);
  const oidcIssuer = track(await startOidcIssuer());
  const basic = basicSeed(upstream.origin, { issuer: oidcIssuer.origin, clientId: benchOidcClientId });
  const routes = routeTableSeed(upstream.origin);

  log("start-up times");
  const startup = await measureStartup(
    plan.startupRepeats,
    () => startPassthrough(built.passthrough, config, upstream.origin),
    () => startGateway("gateway (start-up)", built.gateway, config, basic.entries),
    { passthrough: smallPath, gateway: `${keylessListenPath}${smallPath}` },
    async () => startGateway("empty Worker (gateway bindings)", await emptyWorker(join(tmp, "empty")), config, basic.entries),
  ).catch((error: unknown) => ({ error: String(error) }));

  log("store reads per request");
  const counting = await startCountingGateway(built.gateway, built.counter, config, basic.entries);
  const storeReads = await measureStoreReads(
    counting,
    [
      { scenario: "keyless", target: { url: `${counting.origin}${keylessListenPath}${smallPath}` } },
      { scenario: "auth token", target: { url: `${counting.origin}${authListenPath}${smallPath}`, headers: { Authorization: basic.authKey } } },
    ],
    generators.saturating,
    { connections: plan.connections, durationSec: plan.storeReadsSec },
  )
    .catch((error: unknown) => ({ error: String(error) }))
    .finally(() => counting.stop());

  const passthrough = track(await startPassthrough(built.passthrough, config, upstream.origin));
  const measured = scenarios.filter((scenario) => !only || only.has(scenario.id));
  const peerKeys: PeerKeys = [
    [basic.authKey, ["auth"]],
    [basic.rateOnlyKey, ["limited"]],
  ];
  const needs = (peer: MeasuredScenario["peer"]) => measured.some((scenario) => scenario.peer === peer);
  const peer = needs("peer") ? track(await startPeer("peer", built.peer, config, upstream.origin, peerKeys)) : undefined;
  const peerFree = needs("peerFree") ? track(await startPeer("peer, free bindings", built.peerFree, config, upstream.origin, peerKeys)) : undefined;
  const gateways = new Map<string, Contestant>();
  const reports: ScenarioReport[] = [];
  for (const scenario of scenarios) {
    if (!measured.includes(scenario)) {
      reports.push({ id: scenario.id, title: scenario.title, status: "skipped", note: "not selected (--only)" });
      continue;
    }
    let gateway = gateways.get(scenario.gateway);
    if (!gateway && scenario.gateway !== "none") {
      const entries = scenario.gateway === "route-table" ? routes.entries : basic.entries;
      gateway = track(await startGateway(`gateway (${scenario.gateway})`, built.gateway, config, entries, {}, featuresFor(scenario.gateway)));
      gateways.set(scenario.gateway, gateway);
    }
    const origins: Origins = {
      upstream: upstream.origin,
      passthrough: passthrough.origin,
      peer: peer?.origin,
      peerFree: peerFree?.origin,
      gateway: gateway?.origin ?? "",
      authKey: basic.authKey,
      rateOnlyKey: basic.rateOnlyKey,
      limitedKey: basic.limitedKey,
      jwtHs256: basic.jwtHs256,
      jwtRs256: basic.jwtRs256,
      oidcIdToken: oidcIssuer.idToken,
      routeTablePath: routes.middlePath,
      pids: { upstream: upstream.pid, passthrough: passthrough.pid, gateway: gateway?.pid, peer: peer?.pid, peerFree: peerFree?.pid },
    };
    const remaining = measured.length - measured.indexOf(scenario) - 1;
    log(`${scenario.title}`);
    const report = await measureScenario(scenario, origins, generators, budget, remaining * Budget.minimumComparisonSec(plan), gateway);
    if (report.comparison) {
      const { throughputRatio, cpuRatio, addedP99Ms } = report.comparison;
      log(`  throughput ratio ${throughputRatio.toFixed(3)}, CPU ratio ${cpuRatio.toFixed(3)}, added p99 ${addedP99Ms.toFixed(2)} ms`);
    } else log(`  ${report.status}: ${report.note}`);
    reports.push(report);
  }
  await cleanUp();
  const remoteLimits = await remoteLimitsSection(budget);

  const report: BenchReport = {
    date: new Date(startedAt).toISOString(),
    mode: quick ? "quick" : "full",
    durationSec: (Date.now() - startedAt) / 1000,
    machine: machine(),
    runtime: { workerd: workerdVersion(), compatibilityDate: config.compatibilityDate, compatibilityFlags: config.compatibilityFlags },
    upstream: upstream.description,
    loadGenerator:
      generators.saturating.name === generators.paced.name ? generators.saturating.name : `${generators.saturating.name} (paced: ${generators.paced.name})`,
    plan,
    bundle: {
      rawBytes: built.gateway.bytes,
      gzipBytes: built.gateway.gzipBytes,
      passthroughRawBytes: built.passthrough.bytes,
      composition: built.gateway.composition,
    },
    startup,
    storeReads,
    remoteLimits,
    scenarios: reports,
    goals: goals(reports, storeReads),
    notes,
  };
  await writeReport(report, resultsDir);
  console.log(`\n${consoleSummary(report)}\n\nbench/results/latest.md and latest.json written; took ${report.durationSec.toFixed(0)} s`);
}

try {
  if (profileScenario) await runProfile({ id: profileScenario, seconds: profileSeconds, repoRoot, resultsDir, track, log });
  else if (flags.startup) await runStartup({ repeats: Number(flags.repeats), repoRoot, track, log });
  else await benchmark();
  await cleanUp();
  process.exit(0);
} catch (error) {
  console.error("bench failed:", error);
  await cleanUp();
  process.exit(1);
}
