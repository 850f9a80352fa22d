import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Comparison, Plan } from "./compare";
import type { StartupResult } from "./startup";
import type { StoreReadsResult } from "./store-reads";
import { remoteLimitsTable, type RemoteLimitsResult } from "./limits-remote";
import { median, type Machine } from "./system";

export interface ScenarioReport {
  id: string;
  title: string;
  status: "measured" | "skipped" | "failed";
  /** Skip or failure reason, or warnings about a measurement. */
  note?: string;
  baseline?: string;
  comparison?: Comparison;
}

export interface Goal {
  goal: string;
  value: string;
  /** null: not measured, or (with a value) measured but too noisy to decide. */
  met: boolean | null;
}

export interface BenchReport {
  date: string;
  mode: "full" | "quick";
  durationSec: number;
  machine: Machine;
  runtime: { workerd: string; compatibilityDate: string; compatibilityFlags: string[] };
  upstream: string;
  loadGenerator: string;
  plan: Plan;
  bundle: { rawBytes: number; gzipBytes: number; passthroughRawBytes: number; composition: { source: string; bytes: number }[] };
  startup: StartupResult | { error: string };
  storeReads: StoreReadsResult | { error: string };
  /** The rate limiter behind a modelled round trip (bench/limits-remote.ts); full runs only. */
  remoteLimits?: RemoteLimitsResult | { error: string } | { skipped: string };
  scenarios: ScenarioReport[];
  goals: Goal[];
  notes: string[];
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : "–");
const rps = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "–");
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const mibPerSec = (bytesPerSec: number) => `${(bytesPerSec / 2 ** 20).toFixed(0)} MiB/s`;

/** One line, no pipes, bounded: notes carry probe errors and logs. */
function cell(text: string, max = 240): string {
  const flat = text.replace(/\s+/g, " ").replace(/\|/g, "\\|").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const signed = (value: number) => `${value >= 0 ? "+" : ""}${ms(value)}`;

const us = (value: number) => (Number.isFinite(value) ? value.toFixed(0) : "–");
const ratio = (value: number) => (Number.isFinite(value) ? value.toFixed(3) : "–");

/** The 95% interval of a median, when there were enough pairs for one (older reports have none). */
const interval = (bounds: [number, number] | undefined) => (bounds && Number.isFinite(bounds[0]) ? `, 95% ${signed(bounds[0])}…${signed(bounds[1])}` : "");

function scenarioRow(scenario: ScenarioReport): string {
  const c = scenario.comparison;
  if (scenario.status !== "measured" || !c) {
    return `| ${scenario.title} | ${scenario.status}: ${cell(scenario.note ?? "")} | | | | | | | | |`;
  }
  const stream =
    scenario.id === "stream-1mb"
      ? ` (${mibPerSec(median(c.saturated.map((pair) => pair.baseline.bytesPerSec)))} → ${mibPerSec(median(c.saturated.map((pair) => pair.scenario.bytesPerSec)))})`
      : "";
  const note = scenario.note ? ` ⚠ ${cell(scenario.note)}` : "";
  return [
    `| ${scenario.title}${note} | ${scenario.baseline}`,
    `${rps(c.baselineRps)} → ${rps(c.scenarioRps)}${stream}`,
    `**${ratio(c.throughputRatio)}**`,
    `${us(c.baselineCpuUs)} → ${us(c.scenarioCpuUs)}`,
    `**${ratio(c.cpuRatio)}**`,
    `${ms(c.scenarioP50Ms)} / ${ms(c.scenarioP99Ms)}`,
    `${rps(c.baselinePacedRps)} / ${rps(c.scenarioPacedRps)}`,
    `${ms(c.baselinePacedP50Ms)} → ${ms(c.scenarioPacedP50Ms)} (${signed(c.addedP50Ms)})`,
    `${ms(c.baselinePacedP99Ms)} → ${ms(c.scenarioPacedP99Ms)} (**${signed(c.addedP99Ms)}**${interval(c.addedP99IntervalMs)}) |`,
  ].join(" | ");
}

/** The results table alone: printed to the terminal and embedded in the Markdown report. */
export function resultsTable(report: BenchReport): string {
  return [
    "| Scenario | Baseline | req/s: baseline → scenario | Throughput ratio | Server CPU µs/request: baseline → scenario | CPU ratio | Scenario p50 / p99 ms (saturated) | Paced req/s (baseline / scenario) | p50 ms paced: baseline → scenario (added) | p99 ms paced: baseline → scenario (added) |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...report.scenarios.map(scenarioRow),
  ].join("\n");
}

function goalsTable(report: BenchReport): string {
  const mark = (goal: Goal) => (goal.met === null ? (goal.value === "–" ? "not measured" : "inconclusive") : goal.met ? "met" : "**missed**");
  return ["| Goal | Value | Result |", "|---|---|---|", ...report.goals.map((goal) => `| ${goal.goal} | ${cell(goal.value, 400)} | ${mark(goal)} |`)].join(
    "\n",
  );
}

/** Miniflare starts services for the bindings (KV, Durable Objects) that production does not: this row is the bundle's own cost. */
function bundleOnlyRow(gateway: StartupResult["gateway"], empty: StartupResult["gateway"]): string {
  const d = (pick: (times: StartupResult["gateway"]) => number) => ms(pick(gateway) - pick(empty));
  return `| gateway − empty Worker with its bindings | ${d((t) => t.startMs)} | ${d((t) => t.firstRequestMs)} | ${d((t) => t.secondRequestMs)} | ${d((t) => t.startCpuMs)} | ${d((t) => t.firstRequestCpuMs)} |`;
}

function startupSection(startup: BenchReport["startup"]): string {
  if ("error" in startup) return `Start-up not measured: ${startup.error}`;
  const row = (name: string, times: StartupResult["gateway"]) =>
    `| ${name} | ${ms(times.startMs)} | ${ms(times.firstRequestMs)} | ${ms(times.secondRequestMs)} | ${ms(times.startCpuMs)} | ${ms(times.firstRequestCpuMs)} |`;
  return [
    `Median of ${startup.repeats} fresh workerd processes each. *Start* is \`new Miniflare()\` until the Worker's socket is up (workerd compiles and evaluates the module before it listens); the gateway − pass-through difference is what the gateway's bundle costs. *CPU* is the workerd process's CPU time (all threads) until its socket is up, and during the first request: steadier than wall time when other work shares the CPUs. *First request* on the gateway includes building the isolate's gateway (config parse) and loading APIs and policies from KV.`,
    "",
    "| Worker | Start ms | First request ms | Second request ms | Start CPU ms | First request CPU ms |",
    "|---|---:|---:|---:|---:|---:|",
    row("pass-through", startup.passthrough),
    row("gateway", startup.gateway),
    ...(startup.emptyWithBindings ? [row("empty Worker with the gateway's bindings", startup.emptyWithBindings)] : []),
    `| gateway − pass-through | ${ms(startup.gateway.startMs - startup.passthrough.startMs)} | ${ms(startup.gateway.firstRequestMs - startup.passthrough.firstRequestMs)} | ${ms(startup.gateway.secondRequestMs - startup.passthrough.secondRequestMs)} | ${ms(startup.gateway.startCpuMs - startup.passthrough.startCpuMs)} | ${ms(startup.gateway.firstRequestCpuMs - startup.passthrough.firstRequestCpuMs)} |`,
    ...(startup.emptyWithBindings ? [bundleOnlyRow(startup.gateway, startup.emptyWithBindings)] : []),
  ].join("\n");
}

function storeReadsSection(reads: BenchReport["storeReads"]): string {
  if ("error" in reads) return `Store reads not measured: ${reads.error}`;
  const keys = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([key, count]) => `\`${key}\` ×${count}`)
      .join(", ") || "none";
  return [
    "GATEWAY_KV is served by a counting stand-in (bench/kv-counter, forwarding to Miniflare's KV) in a separate gateway instance; the gateway's code is unchanged.",
    "",
    `Warm-up (first requests on a fresh isolate): ${keys(reads.warmUp)}`,
    "",
    "| Scenario | Requests | Store reads | Reads / request | Reads by key |",
    "|---|---:|---:|---:|---|",
    ...reads.steady.map((row) =>
      row.failure
        ? `| ${row.scenario} | failed: ${cell(row.failure)} | | | |`
        : `| ${row.scenario} | ${rps(row.requests)} | ${row.reads} | ${row.readsPerRequest.toFixed(5)} | ${keys(row.byKey)} |`,
    ),
  ].join("\n");
}

function remoteLimitsSection(result: BenchReport["remoteLimits"]): string {
  if (!result) return "";
  const body =
    "error" in result
      ? `Not measured: ${cell(result.error)}`
      : "skipped" in result
        ? `Not measured: ${result.skipped}.`
        : `The RateLimiter objects in their own workerd process behind a loopback proxy holding each call for the round trip shown, the gateway in another; ${result.connections} connections, closed loop, median of ${result.rounds} × ${result.runSeconds} s; added = limited key − key without limits on the same gateway (\`npx tsx bench/limits-remote.ts\` for longer runs).\n\n${remoteLimitsTable(result)}`;
  return `\n## Rate limits behind a round trip\n\n${body}\n`;
}

export function toMarkdown(report: BenchReport): string {
  const { machine: m } = report;
  const composition = report.bundle.composition
    .slice(0, 6)
    .map((part) => `${part.source} ${kib(part.bytes)}`)
    .join(", ");
  return `# Portcullis benchmark (${report.mode})

${report.date} · ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB · ${m.os} · Node ${m.node} · workerd ${report.runtime.workerd} (compatibility_date ${report.runtime.compatibilityDate}${report.runtime.compatibilityFlags.length ? `, flags ${report.runtime.compatibilityFlags.join(", ")}` : ""}) · upstream: ${report.upstream} · load: ${report.loadGenerator}, ${report.plan.connections} connections · ${report.plan.pairs} × ${report.plan.runSec} s A/B pairs saturated, ${report.plan.pacedPairs} × ${report.plan.pacedRunSec} s paced · took ${report.durationSec.toFixed(0)} s

${resultsTable(report)}

Throughput ratio: scenario ÷ baseline req/s per alternating pair, median over the pairs (saturated: ${report.plan.connections} connections, closed loop). CPU ratio: baseline ÷ scenario CPU time of the serving process (workerd, or nginx for the upstream) per request, median over the pairs: the throughput ratio on a machine where the server has a core to itself, and much steadier than req/s when other work shares the CPUs. Paced: both sides at half the slower side's saturated throughput (wrk pauses per connection, so the achieved rates are shown); added = scenario − baseline, median over the pairs. Latencies are client-side. One stall of a process (on a busy shared machine workerd and wrk are descheduled for tens of milliseconds now and then, the bare pass-through included) decides the p99 of the run it lands in, so the added p99 is the median of per-pair differences with its distribution-free 95% interval (order statistics of the pair differences), and the keyless scenario runs ${report.plan.latencyPairs} paced pairs of ${report.plan.latencyRunSec} s for it; its goal also gives the server-side added CPU time per request, which no stall moves.

## Goals

${goalsTable(report)}

## Bundle

Gateway Worker as \`wrangler deploy\` bundles it: ${kib(report.bundle.rawBytes)} raw, ${kib(report.bundle.gzipBytes)} gzip (pass-through: ${kib(report.bundle.passthroughRawBytes)} raw). Largest parts: ${composition}.

## Start-up

${startupSection(report.startup)}

## Store reads

${storeReadsSection(report.storeReads)}
${remoteLimitsSection(report.remoteLimits)}
## CPU profile

\`npm run bench -- --profile keyless\` (or \`auth-token\`, \`route-table-100\`, \`stream-1mb\`, and \`pass-through\` for the baseline; \`--seconds N\`, default 10) runs that scenario at full load with the V8 inspector on, saves \`bench/results/profile-<scenario>.cpuprofile\` (Chrome DevTools → Performance → Load profile, or VS Code) and prints self time by module and by function, mapped back to the bundled source files.
${report.notes.length ? `\n## Notes\n\n${report.notes.map((note) => `- ${note}`).join("\n")}\n` : ""}`;
}

/** What the terminal gets: the table, the goals and one line each for the other figures. */
export function consoleSummary(report: BenchReport): string {
  const startup =
    "error" in report.startup
      ? `start-up: not measured (${report.startup.error})`
      : `start-up: gateway ${ms(report.startup.gateway.startMs)} ms vs pass-through ${ms(report.startup.passthrough.startMs)} ms to a listening Worker; first request ${ms(report.startup.gateway.firstRequestMs)} vs ${ms(report.startup.passthrough.firstRequestMs)} ms`;
  const reads =
    "error" in report.storeReads
      ? `store reads: not measured (${report.storeReads.error})`
      : `store reads: ${report.storeReads.steady.map((row) => (row.failure ? `${row.scenario} failed` : `${row.scenario} ${row.reads} over ${row.requests} requests`)).join(", ")}`;
  return [
    resultsTable(report),
    "",
    goalsTable(report),
    "",
    `bundle: ${kib(report.bundle.rawBytes)} raw, ${kib(report.bundle.gzipBytes)} gzip`,
    startup,
    reads,
    ...report.notes.map((note) => `note: ${note}`),
  ].join("\n");
}

export async function writeReport(report: BenchReport, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(dir, "latest.md"), toMarkdown(report));
}
