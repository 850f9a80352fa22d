import type { Goal, ScenarioReport } from "./report";

type Comparison = NonNullable<ScenarioReport["comparison"]>;

const signed = (value: number, digits = 2) => `${value >= 0 ? "+" : ""}${value.toFixed(digits)}`;

/** The scenario whose paced phase is the long latency series (plan.latencyPairs). */
export const latencyScenarioId = "keyless";
/** The nice value of the latency series' processes (−20 is the highest priority short of real-time scheduling). */
export const latencyNice = -20;

const range = ([from, to]: [number, number], digits = 2) => (Number.isFinite(from) ? ` (95% ${signed(from, digits)}…${signed(to, digits)})` : "");

/**
 * The p99 budget is 1 ms, read two ways. Client-side: the median of per-pair p99 differences
 * over the keyless series' at-pace pairs with its distribution-free 95% interval; met when the
 * whole interval is within 1 ms, missed when all of it is above, inconclusive otherwise (on a
 * busy shared machine it is wider than the budget). Server-side: the workerd process's CPU time
 * per request, gateway − pass-through at the same pace, the gateway's own work per request,
 * which scheduling stalls do not move; it is the figure that holds still between runs.
 */
export function latencyGoals(keyless: Comparison | undefined): Goal[] {
  const goal = "Keyless p99 added latency ≤ 1 ms at half saturation (client-side)";
  const serverGoal = "Keyless added server time ≤ 1 ms per request at half saturation (workerd CPU, gateway − pass-through)";
  if (!keyless || keyless.paced.length === 0) {
    return [
      { goal, value: "–", met: null },
      { goal: serverGoal, value: "–", met: null },
    ];
  }
  const { atPace } = keyless;
  const [low, high] = atPace.addedP99IntervalMs;
  const priority = keyless.pacedNice === undefined ? "" : ` at nice ${keyless.pacedNice}`;
  const value = [
    `${signed(atPace.addedP99Ms)} ms${range(atPace.addedP99IntervalMs)}: median of per-pair p99 differences`,
    `${atPace.pairs} of ${keyless.paced.length} pairs of ${Math.round(keyless.pacedRate)} req/s runs kept the pace${priority}`,
    `p50 ${signed(atPace.addedP50Ms)} ms`,
  ].join("; ");
  const [cpuLow, cpuHigh] = keyless.addedCpuIntervalUs;
  return [
    { goal, value, met: !Number.isFinite(low) ? null : high <= 1 ? true : low > 1 ? false : null },
    {
      goal: serverGoal,
      value: `${signed(keyless.addedCpuUs / 1000, 3)} ms${range([cpuLow / 1000, cpuHigh / 1000], 3)}, median of per-pair differences (paced: ${Math.round(keyless.baselinePacedRps)} / ${Math.round(keyless.scenarioPacedRps)} req/s)`,
      met: !Number.isFinite(cpuHigh) ? null : cpuHigh <= 1000 ? true : cpuLow > 1000 ? false : null,
    },
  ];
}

/** Portcullis ÷ the Workers-user peer (bench/peer): goal ≥ 1.0 on each of its scenarios that ran. */
export function peerGoals(reports: ScenarioReport[], peerScenarioIds: string[]): Goal[] {
  return peerScenarioIds.map((id) => {
    const report = reports.find((candidate) => candidate.id === id);
    const comparison = report?.comparison;
    return {
      goal: `${report?.title ?? id}: ≥ 1.0 × the peer`,
      value: comparison ? `${comparison.throughputRatio.toFixed(3)} × measured (CPU ratio ${comparison.cpuRatio.toFixed(3)} ×)` : "–",
      met: comparison ? comparison.throughputRatio >= 1 : null,
    };
  });
}
