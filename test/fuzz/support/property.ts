import fc from "fast-check";
import type { TaskMeta } from "vitest";
import type { DistinctFinding, Finding, FindingKind, PropertyReport } from "./report";
import { describeReport } from "./report";
import { fuzzSettings, runsFor } from "./settings";

/*
 * Runs a property over every generated case without stopping at the first
 * failure, so a report counts every crash and 5xx, not just the first. Each
 * distinct failure (same signature) is then shrunk from the case that first
 * showed it, and named with the seed and path that replay it.
 */

export interface PropertySpec<T> {
  name: string;
  arbitrary: fc.Arbitrary<T>;
  /** Probes the gateway with one input; null when every invariant held. */
  check: (input: T) => Promise<Finding | null>;
  ciRuns: number;
  /** Outcomes the check counted (e.g. statuses), reported with the run. */
  tally?: Tally;
  /** The least share of cases that must reach an outcome: a generator that never gets past validation fuzzes nothing else. */
  reach?: { outcome: string; share: number };
}

/** Counts outcomes by label. */
export class Tally {
  readonly counts: Record<string, number> = {};

  count(label: string): void {
    this.counts[label] = (this.counts[label] ?? 0) + 1;
  }

  /** The counts so far, to report once shrinking (which runs the check again) is done. */
  snapshot(): Record<string, number> {
    return { ...this.counts };
  }
}

const shrinkBudgetMs = 3_000;
const distinctShrinkLimit = 6;
const inputLimit = 1_200;

async function safely<T>(check: (input: T) => Promise<Finding | null>, input: T): Promise<Finding | null> {
  try {
    return await check(input);
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { kind: "crash", signature: `crash: the probe threw ${message.slice(0, 120)}`, detail: message };
  }
}

function shown(value: unknown): string {
  const text = fc.stringify(value);
  return text.length > inputLimit ? `${text.slice(0, inputLimit)}… (${text.length} characters)` : text;
}

/** Shrinks the case at `path` to a smaller one that fails with the same signature. */
async function shrink<T>(spec: PropertySpec<T>, signature: string, seed: number, path: string, original: T): Promise<T> {
  const details = await fc.check(
    fc.asyncProperty(spec.arbitrary, async (input) => (await safely(spec.check, input))?.signature !== signature),
    { seed, path, numRuns: 1, interruptAfterTimeLimit: shrinkBudgetMs },
  );
  return details.failed && details.counterexample ? details.counterexample[0] : original;
}

/** Runs the property, records its report on the test, and fails the test when anything failed. */
export async function runProperty<T>(spec: PropertySpec<T>, meta: TaskMeta): Promise<PropertyReport> {
  const seed = fuzzSettings.seed ?? Math.floor(Math.random() * 2 ** 31);
  const started = Date.now();
  const counts: Record<FindingKind, number> = { crash: 0, "5xx": 0, shape: 0, slow: 0, security: 0, contract: 0 };
  const firsts = new Map<string, { finding: Finding; index: number; input: T; count: number }>();
  let cases = 0;
  const replaying = fuzzSettings.path !== undefined;
  await fc.check(
    fc.asyncProperty(spec.arbitrary, async (input) => {
      const index = cases++;
      const finding = await safely(spec.check, input);
      if (finding) {
        counts[finding.kind] += 1;
        const first = firsts.get(finding.signature);
        if (first) first.count += 1;
        else firsts.set(finding.signature, { finding, index, input, count: 1 });
      }
      return true;
    }),
    { seed, numRuns: replaying ? 1 : runsFor(spec.ciRuns), path: fuzzSettings.path },
  );
  const outcomes = spec.tally?.snapshot() ?? {};
  const distinct: DistinctFinding[] = [];
  for (const { finding, index, input, count } of firsts.values()) {
    // A replay's path names the case itself; otherwise the case's index is its path.
    const path = fuzzSettings.path ?? String(index);
    const smallest = distinct.length < distinctShrinkLimit ? await shrink(spec, finding.signature, seed, path, input) : input;
    distinct.push({ ...finding, count, input: shown(smallest), replay: { seed, path } });
  }
  const report: PropertyReport = { property: spec.name, cases, seed, ms: Date.now() - started, counts, distinct, outcomes };
  meta.fuzz = report;
  if (distinct.length > 0) throw new Error(describeReport(report));
  const reached = spec.reach ? (outcomes[spec.reach.outcome] ?? 0) / Math.max(1, cases) : 1;
  if (spec.reach && !replaying && reached < spec.reach.share) {
    throw new Error(
      `${spec.name}: only ${(reached * 100).toFixed(0)}% of cases reached "${spec.reach.outcome}" (${JSON.stringify(outcomes)}); the generator no longer gets past validation`,
    );
  }
  return report;
}
