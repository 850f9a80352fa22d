import { inject } from "vitest";

/*
 * How many cases each property runs. `npm test` runs the CI sizes; `npm run
 * fuzz` (vitest.fuzz.config.ts) provides a scale, and a seed and path to
 * replay one failing case exactly as a report named it.
 */

export interface FuzzSettings {
  /** Multiplies every property's CI run count. */
  scale: number;
  /** fast-check seed; random when absent. */
  seed?: number;
  /** fast-check path of one case to replay (with `seed`). */
  path?: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    fuzz?: FuzzSettings;
  }
}

export const fuzzSettings: FuzzSettings = inject("fuzz") ?? { scale: 1 };

/** A property's run count: its CI size, times the long run's scale. */
export function runsFor(ciRuns: number): number {
  return Math.max(1, Math.round(ciRuns * fuzzSettings.scale));
}

/** The vitest timeout for a property of this CI size: generous, as workerd machines differ. */
export function timeoutFor(ciMs: number): number {
  return Math.round(ciMs * 3 * Math.max(1, fuzzSettings.scale));
}
