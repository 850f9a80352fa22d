import { writeFileSync } from "node:fs";
import type { Reporter, TestModule } from "vitest/node";
import { describeReport, type PropertyReport } from "./report";

/*
 * The long run's result (vitest.fuzz.config.ts): cases per property, crashes,
 * 5xx answers and other failures, and the seed and path that replay each one.
 * With FUZZ_REPORT=<file>, also written there as JSON (a CI artifact).
 */

export default class FuzzReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const reports: PropertyReport[] = [];
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const report = test.meta().fuzz;
        if (report) reports.push(report);
      }
    }
    const sum = (pick: (report: PropertyReport) => number) => reports.reduce((total, report) => total + pick(report), 0);
    const lines = [
      "",
      "Fuzz run",
      ...reports.map(
        (report) =>
          `  ${report.property.padEnd(36)} ${String(report.cases).padStart(7)} cases ${(report.ms / 1000).toFixed(1).padStart(6)} s  seed ${String(report.seed).padEnd(10)} ${JSON.stringify(report.outcomes)}`,
      ),
      `  total: ${sum((report) => report.cases)} cases, ${sum((report) => report.counts.crash)} crashes, ${sum((report) => report.counts["5xx"])} 5xx from gateway code, ` +
        `${sum((report) => report.counts.shape)} malformed answers, ${sum((report) => report.counts.slow)} stalls, ${sum((report) => report.counts.security)} security failures, ` +
        `${sum((report) => report.counts.contract)} broken contracts`,
      ...reports.filter((report) => report.distinct.length > 0).map(describeReport),
    ];
    console.log(lines.join("\n"));
    const file = process.env["FUZZ_REPORT"];
    if (file) writeFileSync(file, `${JSON.stringify(reports, null, 2)}\n`);
  }
}
