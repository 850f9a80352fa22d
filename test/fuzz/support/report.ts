/*
 * What a property run found, shared by the test side (workerd) and the fuzz
 * reporter (Node), so it imports nothing.
 */

/**
 * crash: an error nothing handled; 5xx: a server error the test did not set up;
 * shape: an answer outside Tyk's formats; slow: a stalled isolate; security: a
 * refused credential let through; contract: a documented rule broken (a write
 * that does not read back, a duplicate route accepted, a non-HTTP target stored).
 */
export type FindingKind = "crash" | "5xx" | "shape" | "slow" | "security" | "contract";

export interface Finding {
  kind: FindingKind;
  /** Failures with the same signature are one finding: kind, status, message and what was probed, never the random input. */
  signature: string;
  /** What was sent and what came back. */
  detail: string;
}

export interface DistinctFinding extends Finding {
  count: number;
  /** The smallest input found that still fails this way (fast-check's shrinking, time-bounded). */
  input: string;
  replay: { seed: number; path: string };
}

export interface PropertyReport {
  property: string;
  cases: number;
  seed: number;
  ms: number;
  counts: Record<FindingKind, number>;
  distinct: DistinctFinding[];
  /** What the cases came to (statuses, compiled or not), as the property counted them. */
  outcomes: Record<string, number>;
}

declare module "vitest" {
  interface TaskMeta {
    fuzz?: PropertyReport;
  }
}

export function describeReport(report: PropertyReport): string {
  const lines = [
    `${report.property}: ${report.cases} cases, ${report.distinct.length} distinct failure(s), seed ${report.seed}, outcomes ${JSON.stringify(report.outcomes)}`,
  ];
  for (const finding of report.distinct) {
    lines.push(
      `  [${finding.kind}] ×${finding.count} ${finding.signature}`,
      `    ${finding.detail}`,
      `    smallest input: ${finding.input}`,
      `    replay: FUZZ_SEED=${finding.replay.seed} FUZZ_PATH=${finding.replay.path} npm run fuzz -- test/fuzz -t '${report.property}'`,
    );
  }
  return lines.join("\n");
}
