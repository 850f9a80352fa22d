import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { expect, it } from "vitest";
import { uplotScript, uplotStyles, uplotVersion } from "../../src/dashboard/vendor/uplot";

const packageDir = dirname(createRequire(import.meta.url).resolve("uplot/package.json"));
const read = (file: string) => readFileSync(join(packageDir, file), "utf8").trim();

it("serves the uPlot that package.json installs (else: npx tsx analytics-pump/scripts/vendor-uplot.ts)", () => {
  expect(uplotVersion).toBe((JSON.parse(read("package.json")) as { version: string }).version);
  expect(uplotScript).toBe(read("dist/uPlot.iife.min.js"));
  expect(uplotStyles).toBe(read("dist/uPlot.min.css"));
});
