import { defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

/**
 * `npm run fuzz`: the property-based tests of test/fuzz at a larger size, with
 * a report of cases, crashes and 5xx answers per property
 * (test/fuzz/support/reporter.ts; FUZZ_REPORT=<file> also writes it as JSON).
 * FUZZ_SCALE multiplies every property's CI run count: the default 6 makes
 * about 14,000 cases, 6× what `npm test` runs. FUZZ_SEED and FUZZ_PATH replay
 * one failing case as a report names it:
 *   FUZZ_SEED=123 FUZZ_PATH=45 npm run fuzz -- test/fuzz/requests.test.ts -t 'to fz-token'
 */
const scale = Number(process.env["FUZZ_SCALE"] ?? 6);
const seed = process.env["FUZZ_SEED"] === undefined ? undefined : Number(process.env["FUZZ_SEED"]);
const path = process.env["FUZZ_PATH"];

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ["test/fuzz/**/*.test.ts"],
    provide: { fuzz: { scale, ...(seed === undefined ? {} : { seed }), ...(path === undefined ? {} : { path }) } },
    reporters: ["default", "./test/fuzz/support/reporter.ts"],
  },
});
