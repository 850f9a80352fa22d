import type { LoadGenerator, LoadResult, LoadSpec, LoadTarget } from "./load";
import { renice } from "./priority";
import { cpuTimeNs, median } from "./system";

export interface Plan {
  connections: number;
  warmupSec: number;
  runSec: number;
  pairs: number;
  pacedRunSec: number;
  pacedPairs: number;
  startupRepeats: number;
  storeReadsSec: number;
  /**
   * The latency figure's own paced phase (the keyless goal): many short pairs, because one
   * stall of a workerd or wrk process decides the p99 of any run it lands in, and the
   * median of per-pair differences only shrugs off the pairs it spoils when there are many.
   */
  latencyPairs: number;
  latencyRunSec: number;
}

/**
 * Many short alternating runs rather than a few long ones: a burst of load
 * from a neighbour lands on both sides of a pair, and the median of pairs
 * shrugs off the pairs it does not.
 */
export const fullPlan: Plan = {
  connections: 32,
  warmupSec: 2,
  runSec: 1,
  pairs: 12,
  pacedRunSec: 2,
  pacedPairs: 6,
  startupRepeats: 3,
  storeReadsSec: 5,
  latencyPairs: 30,
  latencyRunSec: 1,
};
export const quickPlan: Plan = {
  connections: 32,
  warmupSec: 1,
  runSec: 1,
  pairs: 4,
  pacedRunSec: 1,
  pacedPairs: 2,
  startupRepeats: 1,
  storeReadsSec: 2,
  latencyPairs: 12,
  latencyRunSec: 1,
};

/** How many paced pairs, of how long, a comparison runs: the plan's, or the latency figure's longer series. */
export interface PacedPhase {
  pairs: number;
  runSec: number;
  /**
   * Runs the paced phase with these processes (both servers, the upstream) and wrk at this nice
   * value, then puts them back at 0: on a shared machine the other load then cannot deschedule
   * them for the tens of milliseconds that would decide a p99. Needs root or CAP_SYS_NICE.
   */
  priority?: { nice: number; pids: (number | undefined)[] };
}

/** Wall-clock budget: a run that would end past the deadline is not started. */
export class Budget {
  private readonly deadline: number;

  constructor(seconds: number) {
    this.deadline = Date.now() + seconds * 1000;
  }

  /** Least time one comparison takes: warm-up, one saturated pair, one paced pair. */
  static minimumComparisonSec(plan: Plan): number {
    return 2 * plan.warmupSec + 2 * plan.runSec + 2 * plan.pacedRunSec;
  }

  allows(seconds: number): boolean {
    return Date.now() + seconds * 1000 <= this.deadline;
  }
}

export interface Side {
  label: string;
  target: LoadTarget;
  /** The serving process, when known: its CPU time per request is measured too. */
  pid?: number;
}

export interface Pair {
  baseline: LoadResult;
  scenario: LoadResult;
}

export interface Comparison {
  /** Closed-loop runs at fixed connections, alternating baseline then scenario. */
  saturated: Pair[];
  /** scenario req/s ÷ baseline req/s, median over the pairs. */
  throughputRatio: number;
  /**
   * Server CPU per request (µs), median over the saturated runs, and baseline ÷ scenario
   * CPU per pair (median): the throughput ratio a CPU-bound server would show, and far
   * less sensitive to other load on the machine than req/s.
   */
  baselineCpuUs: number;
  scenarioCpuUs: number;
  cpuRatio: number;
  baselineRps: number;
  scenarioRps: number;
  scenarioP50Ms: number;
  scenarioP99Ms: number;
  /** Both sides paced at half the saturated throughput of the slower side (for gateway scenarios, the gateway). */
  pacedRate: number;
  paced: Pair[];
  /** Rates the paced runs achieved (pacing is closed-loop, so slower answers mean a slightly lower rate). */
  baselinePacedRps: number;
  scenarioPacedRps: number;
  baselinePacedP50Ms: number;
  scenarioPacedP50Ms: number;
  baselinePacedP99Ms: number;
  scenarioPacedP99Ms: number;
  /** scenario − baseline at the same pace, median over the pairs. */
  addedP50Ms: number;
  addedP99Ms: number;
  /** Distribution-free 95% confidence interval of that median (order statistics of the pair differences); NaN with fewer than 6 pairs. */
  addedP99IntervalMs: [low: number, high: number];
  /**
   * The same over the paced pairs in which both sides kept up with the pace (≥ 80% of the rate:
   * pacing is closed loop, so a few ms of latency already cost a few percent). A side that fell
   * further behind was queueing (the machine's other load took its CPU), and its p99 measures
   * overload, not half load.
   */
  atPace: { pairs: number; addedP50Ms: number; addedP99Ms: number; addedP99IntervalMs: [low: number, high: number] };
  /** The nice value the paced phase ran at, when it was raised (PacedPhase.priority). */
  pacedNice?: number;
  /**
   * Server-side: the serving process's CPU time per request, scenario − baseline at the same
   * pace, median over the pairs. The gateway's own work per request, untouched by the
   * scheduling stalls that move client-side percentiles on a shared machine.
   */
  addedCpuUs: number;
  addedCpuIntervalUs: [low: number, high: number];
  /** Runs cut for lack of time, and any requests that failed. */
  warnings: string[];
}

function failures(pairs: Pair[]): number {
  return pairs.reduce((sum, pair) => sum + pair.baseline.failed + pair.scenario.failed, 0);
}

/**
 * 95% confidence interval of the median of `values` from their order statistics: the k-th
 * smallest and k-th largest, with k the largest rank such that a Binomial(n, ½) falls below
 * it with probability ≤ 2.5%. Assumes nothing about the distribution; needs n ≥ 6.
 */
export function medianInterval(values: number[]): [low: number, high: number] {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const n = sorted.length;
  let below = 0;
  let term = 0.5 ** n;
  let k = 0;
  // below = P(X ≤ k - 1) for X ~ Binomial(n, ½), grown one rank at a time.
  while (k < n && below + term <= 0.025) {
    below += term;
    term = (term * (n - k)) / (k + 1);
    k += 1;
  }
  if (k === 0) return [Number.NaN, Number.NaN];
  return [sorted[k - 1]!, sorted[n - k]!];
}

/** scenario − baseline latency at the same pace: medians of the per-pair differences. */
function addedLatency(pairs: Pair[]): { addedP50Ms: number; addedP99Ms: number; addedP99IntervalMs: [low: number, high: number] } {
  const p99s = pairs.map((pair) => pair.scenario.p99Ms - pair.baseline.p99Ms);
  return {
    addedP50Ms: median(pairs.map((pair) => pair.scenario.p50Ms - pair.baseline.p50Ms)),
    addedP99Ms: median(p99s),
    addedP99IntervalMs: medianInterval(p99s),
  };
}

/** One run, with the serving process's CPU time per request when its pid is known. */
async function measure(generator: LoadGenerator, side: Side, spec: LoadSpec): Promise<LoadResult> {
  const cpuBefore = side.pid === undefined ? undefined : await cpuTimeNs(side.pid);
  const result = await generator.run(side.target, spec);
  const cpuAfter = side.pid === undefined ? undefined : await cpuTimeNs(side.pid);
  if (cpuBefore === undefined || cpuAfter === undefined || result.requests === 0) return result;
  return { ...result, cpuUsPerRequest: (cpuAfter - cpuBefore) / 1000 / result.requests };
}

const cpuOf = (result: LoadResult) => result.cpuUsPerRequest ?? Number.NaN;

/** Pairs alternate A-B, B-A, … so a steady drift lands on both sides equally. */
async function runPair(index: number, baseline: () => Promise<LoadResult>, scenario: () => Promise<LoadResult>): Promise<Pair> {
  if (index % 2 === 0) {
    const first = await baseline();
    return { baseline: first, scenario: await scenario() };
  }
  const first = await scenario();
  return { baseline: await baseline(), scenario: first };
}

/**
 * A/B comparison: warm both sides, then alternate baseline and scenario runs
 * so drift (other processes, thermal, GC) lands on both; then the same at a
 * fixed rate of half the slower side's saturation, to read latency away from queueing.
 */
export async function compare(
  baseline: Side,
  scenario: Side,
  generators: { saturating: LoadGenerator; paced: LoadGenerator },
  plan: Plan,
  budget: Budget,
  /** Seconds to leave for the scenarios still to come. */
  reserveSec: number,
  pacedPhase: PacedPhase = { pairs: plan.pacedPairs, runSec: plan.pacedRunSec },
): Promise<Comparison> {
  const warnings: string[] = [];
  const closed = { connections: plan.connections, durationSec: plan.runSec };
  await measure(generators.saturating, baseline, { connections: plan.connections, durationSec: plan.warmupSec });
  await measure(generators.saturating, scenario, { connections: plan.connections, durationSec: plan.warmupSec });

  const saturated: Pair[] = [];
  for (let index = 0; index < plan.pairs; index++) {
    if (index > 0 && !budget.allows(2 * plan.runSec + 2 * plan.pacedRunSec + reserveSec)) {
      warnings.push(`time budget: ${index} of ${plan.pairs} saturated pairs run`);
      break;
    }
    saturated.push(
      await runPair(
        index,
        () => measure(generators.saturating, baseline, closed),
        () => measure(generators.saturating, scenario, closed),
      ),
    );
  }

  const baselineRps = median(saturated.map((pair) => pair.baseline.rps));
  const scenarioRps = median(saturated.map((pair) => pair.scenario.rps));
  const pacedRate = Math.max(10, Math.round(Math.min(baselineRps, scenarioRps) / 2));
  const prioritised = pacedPhase.priority ? await renice(pacedPhase.priority.pids, pacedPhase.priority.nice) : false;
  if (pacedPhase.priority && !prioritised) warnings.push("could not raise the paced phase's priority (needs root or CAP_SYS_NICE)");
  const pacedNice = prioritised ? pacedPhase.priority?.nice : undefined;
  const pacedSpec = { connections: plan.connections, durationSec: pacedPhase.runSec, rate: pacedRate, nice: pacedNice };
  const paced: Pair[] = [];
  try {
    for (let index = 0; index < pacedPhase.pairs; index++) {
      if (index > 0 && !budget.allows(2 * pacedPhase.runSec + reserveSec)) {
        warnings.push(`time budget: ${index} of ${pacedPhase.pairs} paced pairs run`);
        break;
      }
      paced.push(
        await runPair(
          index,
          () => measure(generators.paced, baseline, pacedSpec),
          () => measure(generators.paced, scenario, pacedSpec),
        ),
      );
    }
  } finally {
    if (prioritised && pacedPhase.priority) await renice(pacedPhase.priority.pids, 0);
  }

  const keptPace = (result: LoadResult) => result.rps >= 0.8 * pacedRate;
  const atPace = paced.filter((pair) => keptPace(pair.baseline) && keptPace(pair.scenario));
  const failed = failures(saturated) + failures(paced);
  if (failed > 0) warnings.push(`${failed} requests failed (socket errors, timeouts or non-2xx); the figures are suspect`);
  return {
    saturated,
    throughputRatio: median(saturated.map((pair) => pair.scenario.rps / pair.baseline.rps)),
    baselineCpuUs: median(saturated.map((pair) => cpuOf(pair.baseline))),
    scenarioCpuUs: median(saturated.map((pair) => cpuOf(pair.scenario))),
    cpuRatio: median(saturated.map((pair) => cpuOf(pair.baseline) / cpuOf(pair.scenario))),
    baselineRps,
    scenarioRps,
    scenarioP50Ms: median(saturated.map((pair) => pair.scenario.p50Ms)),
    scenarioP99Ms: median(saturated.map((pair) => pair.scenario.p99Ms)),
    pacedRate,
    paced,
    baselinePacedRps: median(paced.map((pair) => pair.baseline.rps)),
    scenarioPacedRps: median(paced.map((pair) => pair.scenario.rps)),
    baselinePacedP50Ms: median(paced.map((pair) => pair.baseline.p50Ms)),
    scenarioPacedP50Ms: median(paced.map((pair) => pair.scenario.p50Ms)),
    baselinePacedP99Ms: median(paced.map((pair) => pair.baseline.p99Ms)),
    scenarioPacedP99Ms: median(paced.map((pair) => pair.scenario.p99Ms)),
    ...addedLatency(paced),
    atPace: { pairs: atPace.length, ...addedLatency(atPace) },
    pacedNice,
    addedCpuUs: median(paced.map((pair) => cpuOf(pair.scenario) - cpuOf(pair.baseline))),
    addedCpuIntervalUs: medianInterval(paced.map((pair) => cpuOf(pair.scenario) - cpuOf(pair.baseline))),
    warnings,
  };
}
