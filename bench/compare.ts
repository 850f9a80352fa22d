import type { LoadGenerator, LoadResult, LoadSpec, LoadTarget } from "./load";
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
}

/**
 * Many short alternating runs rather than a few long ones: a burst of load
 * from a neighbour lands on both sides of a pair, and the median of pairs
 * shrugs off the pairs it does not.
 */
export const fullPlan: Plan = { connections: 32, warmupSec: 2, runSec: 1, pairs: 12, pacedRunSec: 2, pacedPairs: 6, startupRepeats: 3, storeReadsSec: 5 };
export const quickPlan: Plan = { connections: 32, warmupSec: 1, runSec: 1, pairs: 4, pacedRunSec: 1, pacedPairs: 2, startupRepeats: 1, storeReadsSec: 2 };

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
  /** Runs cut for lack of time, and any requests that failed. */
  warnings: string[];
}

function failures(pairs: Pair[]): number {
  return pairs.reduce((sum, pair) => sum + pair.baseline.failed + pair.scenario.failed, 0);
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
  const pacedSpec = { connections: plan.connections, durationSec: plan.pacedRunSec, rate: pacedRate };
  const paced: Pair[] = [];
  for (let index = 0; index < plan.pacedPairs; index++) {
    if (index > 0 && !budget.allows(2 * plan.pacedRunSec + reserveSec)) {
      warnings.push(`time budget: ${index} of ${plan.pacedPairs} paced pairs run`);
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
    addedP50Ms: median(paced.map((pair) => pair.scenario.p50Ms - pair.baseline.p50Ms)),
    addedP99Ms: median(paced.map((pair) => pair.scenario.p99Ms - pair.baseline.p99Ms)),
    warnings,
  };
}
