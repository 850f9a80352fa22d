import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { trend, type Sample, type Trend } from "./soak-memory";
import type { Machine } from "./system";

export interface SoakSettings {
  requests: number;
  rate: number;
  concurrency: number;
  sampleSec: number;
  idleSec: number;
  reloadSec: number;
  /** The load stops here even if not every request was sent (a machine too busy for the rate). */
  maxLoadSec: number;
  /** Seconds between forced GCs (heap snapshots) that read the live heap. */
  gcSec: number;
}

export interface KindStats {
  sent: number;
  expected: number;
  asExpected: number;
  /** Other answers by status (or "socket error") and how many. */
  other: Record<string, number>;
}

export interface LoadStats {
  completed: number;
  socketErrors: number;
  byKind: Record<string, KindStats>;
}

/*
 * Pass marks, in MiB per 10,000 requests after the warm-up.
 * - The gateway isolate's live heap plus the ArrayBuffers it still holds
 *   (after a forced GC), 0.5, about 50 bytes a request: anything kept per
 *   request (a context, a record, a body, a map entry with its key) is a few
 *   hundred bytes at least, so a per-request leak in the gateway grows it by
 *   several MiB per 10,000 requests, while every bounded cache is full after
 *   the warm-up and adds nothing. Forced-GC readings repeat to within ~0.5 MiB.
 * - The anonymous resident memory of the whole workerd process, 25, about
 *   2.5 KB a request: it also holds memory outside any heap (a body or socket
 *   workerd keeps for an unfinished stream) but moves with much besides the
 *   gateway: Miniflare's own Workers (KV, queue broker, outbound fetch) and the
 *   analytics sink run in the same process, and V8 grows every isolate's heap
 *   reservation lazily when nothing presses on memory. On a 2-core VM that
 *   drift was 6-18 MiB per 10,000 requests after the warm-up over three runs,
 *   about 70% of it V8 heap reservation, while the gateway's live heap stayed
 *   flat. A leak of one retained request (context, headers and record,
 *   several KB) per request, or finding 10's rate (about 50 MiB per 10,000),
 *   is well above 25.
 */
export const limits = { liveMiBPer10k: 0.5, anonMiBPer10k: 25 };

export interface Check {
  check: string;
  value: string;
  passed: boolean;
}

export interface SoakVerdict {
  settings: SoakSettings;
  stats: LoadStats;
  samples: Sample[];
  warmupRequests: number;
  loadSec: number;
  reloads: number;
  analyticsRecords: number;
  steady: { live?: Trend; anon?: Trend; rss?: Trend; heapInUse?: Trend };
  /** Live heap after a forced GC: before the load, at its end, after the idle spell. */
  liveHeapMiB: { start?: number; endOfLoad?: number; afterIdle?: number };
  idle: { rssBefore: number; rssAfter: number; anonBefore: number; anonAfter: number };
  checks: Check[];
  passed: boolean;
  summary: string;
}

export type SoakInput = Pick<SoakVerdict, "settings" | "stats" | "samples" | "warmupRequests" | "loadSec" | "reloads" | "analyticsRecords">;

const mib = (value: number | undefined) => (value === undefined ? "–" : `${value.toFixed(1)} MiB`);
const slope = (value: Trend | undefined) =>
  value === undefined ? "–" : `${value.slopePer10k >= 0 ? "+" : ""}${value.slopePer10k.toFixed(2)} MiB / 10k requests`;
const described = (value: Trend | undefined, unit: string) =>
  value ? `${slope(value)} (${mib(value.first)} → ${mib(value.last)}, range ${mib(value.min)}–${mib(value.max)}, ${value.points} ${unit})` : "too few samples";
const points = (samples: readonly Sample[], value: (sample: Sample) => number | undefined) =>
  samples.flatMap((sample) => {
    const y = value(sample);
    return y === undefined ? [] : [{ requests: sample.requests, value: y }];
  });

function statusChecks(stats: LoadStats, analyticsRecords: number): Check[] {
  const kinds = Object.entries(stats.byKind);
  const unexpected = kinds.filter(([, kind]) => kind.asExpected !== kind.sent);
  const serverErrors = kinds.flatMap(([, kind]) => Object.entries(kind.other).filter(([status]) => status.startsWith("5"))).reduce((sum, [, n]) => sum + n, 0);
  const total = stats.completed.toLocaleString("en");
  return [
    {
      check: "every request got its expected status",
      value: unexpected.length === 0 ? `${total} of ${total}` : unexpected.map(([name, kind]) => `${name}: ${JSON.stringify(kind.other)}`).join("; "),
      passed: unexpected.length === 0,
    },
    {
      check: "no 5xx answers, no socket errors",
      value: `${serverErrors} 5xx, ${stats.socketErrors} socket errors`,
      passed: serverErrors === 0 && stats.socketErrors === 0,
    },
    {
      check: "one analytics record per request reached the queue consumer",
      value: `${analyticsRecords.toLocaleString("en")} records for ${total} requests`,
      passed: analyticsRecords === stats.completed,
    },
  ];
}

export function judge(input: SoakInput): SoakVerdict {
  const load = input.samples.filter((sample) => sample.phase === "load");
  // With fewer requests than twice the warm-up, the second half of the load stands for the steady state.
  const sent = input.stats.completed;
  const from = sent >= 2 * input.warmupRequests ? input.warmupRequests : sent / 2;
  const steadySamples = load.filter((sample) => sample.requests >= from);
  const steady = {
    live: trend(points(steadySamples, (sample) => (sample.liveHeapMiB === undefined ? undefined : sample.liveHeapMiB + (sample.liveBuffersMiB ?? 0)))),
    anon: trend(points(steadySamples, (sample) => sample.anonMiB)),
    rss: trend(points(steadySamples, (sample) => sample.rssMiB)),
    heapInUse: trend(points(steadySamples, (sample) => sample.heapInUseMiB)),
  };
  const endOfLoad = load.at(-1)!;
  const afterIdle = input.samples.at(-1)!;
  const liveHeapMiB = {
    start: input.samples.find((sample) => sample.liveHeapMiB !== undefined)?.liveHeapMiB,
    endOfLoad: endOfLoad.liveHeapMiB,
    afterIdle: afterIdle.liveHeapMiB,
  };
  const idle = { rssBefore: endOfLoad.rssMiB, rssAfter: afterIdle.rssMiB, anonBefore: endOfLoad.anonMiB, anonAfter: afterIdle.anonMiB };

  const checks: Check[] = [
    ...statusChecks(input.stats, input.analyticsRecords),
    {
      check: `gateway isolate's live heap + buffers (after a forced GC) after warm-up grows ≤ ${limits.liveMiBPer10k} MiB / 10k requests`,
      value: steady.live ? described(steady.live, "forced GCs") : "no heap figures",
      passed: steady.live !== undefined && steady.live.slopePer10k <= limits.liveMiBPer10k,
    },
    {
      check: `workerd anonymous resident memory after warm-up grows ≤ ${limits.anonMiBPer10k} MiB / 10k requests`,
      value: described(steady.anon, "samples"),
      passed: steady.anon !== undefined && steady.anon.slopePer10k <= limits.anonMiBPer10k,
    },
  ];
  const passed = checks.every((check) => check.passed);
  const rate = input.stats.completed / input.loadSec;
  const cut =
    sent < input.settings.requests
      ? ` (of ${input.settings.requests.toLocaleString("en")} planned: stopped at the ${input.settings.maxLoadSec / 60}-minute limit)`
      : "";
  const summary = [
    `soak ${passed ? "PASSED" : "FAILED"}: ${sent.toLocaleString("en")} requests${cut} in ${input.loadSec.toFixed(0)} s (${rate.toFixed(0)}/s), ${input.reloads} config reloads, warm-up ${from.toLocaleString("en")} requests`,
    ...checks.map((check) => `  ${check.passed ? "ok  " : "FAIL"} ${check.check}: ${check.value}`),
    `  info: workerd RSS after warm-up ${described(steady.rss, "samples")}`,
    `  info: live heap after a forced GC: ${mib(liveHeapMiB.start)} before the load, ${mib(liveHeapMiB.endOfLoad)} at its end, ${mib(liveHeapMiB.afterIdle)} after ${input.settings.idleSec} s idle`,
    `  info: idle ${input.settings.idleSec} s: RSS ${mib(idle.rssBefore)} → ${mib(idle.rssAfter)}, anonymous ${mib(idle.anonBefore)} → ${mib(idle.anonAfter)}`,
  ].join("\n");
  return { ...input, steady, liveHeapMiB, idle, checks, passed, summary };
}

function markdown(verdict: SoakVerdict, context: { date: string; machine: Machine; heapNote?: string }): string {
  const { settings, stats } = verdict;
  // The samples with a forced GC, or one every 30 s without the inspector.
  const every = Math.max(1, Math.round(30 / settings.sampleSec));
  const rows = verdict.samples.filter(
    (sample, index, all) => sample.liveHeapMiB !== undefined || (context.heapNote !== undefined && index % every === 0) || index === all.length - 1,
  );
  const cell = (value: number | undefined) => value?.toFixed(1) ?? "–";
  return [
    `# Soak run ${context.date}`,
    "",
    `${context.machine.cpu}, ${context.machine.cores} cores, ${context.machine.memoryGiB} GiB, ${context.machine.os}, Node ${context.machine.node}.`,
    `${settings.requests.toLocaleString("en")} requests at ${settings.rate}/s from ${settings.concurrency} clients, a config reload every ${settings.reloadSec} s, then ${settings.idleSec} s idle; samples every ${settings.sampleSec} s, a forced GC every ${settings.gcSec} s. \`npm run soak\` (bench/soak.ts).`,
    ...(context.heapNote ? [`Heap figures unavailable: ${context.heapNote}.`] : []),
    "",
    "```",
    verdict.summary,
    "```",
    "",
    `Heap in use (live + garbage) after warm-up, all samples: ${slope(verdict.steady.heapInUse)}.`,
    "",
    "| Kind | Sent | Expected status | As expected | Other |",
    "|---|---:|---:|---:|---|",
    ...Object.entries(stats.byKind).map(([name, kind]) => `| ${name} | ${kind.sent} | ${kind.expected} | ${kind.asExpected} | ${JSON.stringify(kind.other)} |`),
    "",
    "| Time (s) | Phase | Requests | workerd RSS (MiB) | anonymous (MiB) | Heap in use (MiB) | Live heap after GC (MiB) | Live buffers (MiB) |",
    "|---:|---|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (sample) =>
        `| ${sample.atSec.toFixed(0)} | ${sample.phase} | ${sample.requests} | ${cell(sample.rssMiB)} | ${cell(sample.anonMiB)} | ${cell(sample.heapInUseMiB)} | ${cell(sample.liveHeapMiB)} | ${cell(sample.liveBuffersMiB)} |`,
    ),
    "",
  ].join("\n");
}

export async function writeSoakReport(verdict: SoakVerdict, context: { date: string; machine: Machine; heapNote?: string }, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const json = join(dir, "soak-latest.json");
  const md = join(dir, "soak-latest.md");
  await writeFile(json, `${JSON.stringify({ ...context, ...verdict }, null, 2)}\n`);
  await writeFile(md, markdown(verdict, context));
  return [md, json];
}
