import { env } from "cloudflare:test";
import fc from "fast-check";
import { describe, it } from "vitest";
import { compileDefinition, compileStoredApis } from "../../src/compile";
import { parseGatewayConfig } from "../../src/config";
import { anyJson, definitionFrom, definitionShapes } from "./support/definitions";
import { withLoggedErrors } from "./support/logs";
import { runProperty, Tally } from "./support/property";
import type { Finding } from "./support/report";
import { timeoutFor } from "./support/settings";
import { slowMs } from "./support/verdicts";

/*
 * API definitions straight through the compiler (src/compile.ts), without the
 * Gateway API in front: whatever the document, compiling answers a served API
 * or a list of issues, never throws, and gives the same verdict twice.
 */

const config = parseGatewayConfig({ ...env });
const upstream = "http://127.0.0.1:9/fuzz";

/** Structured definitions, arbitrary JSON, and objects with a few definition-like keys. */
const documents: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: definitionShapes.map((shape) => definitionFrom(shape, "fuzz", "/fuzz/", upstream)), weight: 6 },
  { arbitrary: anyJson, weight: 1 },
  {
    arbitrary: fc.dictionary(fc.constantFrom("api_id", "proxy", "version_data", "use_keyless", "auth", "CORS", "definition", "__proto__"), anyJson),
    weight: 1,
  },
);

function outcomeShapeProblem(result: ReturnType<typeof compileDefinition>): string | null {
  if (!result.ok) {
    if (typeof result.error !== "string" || result.error === "") return "an invalid definition without an error message";
    if (!Array.isArray(result.issues) || result.issues.some((issue) => typeof issue !== "string")) return "issues that are not strings";
    return null;
  }
  const { api, warnings } = result;
  if (typeof api.handle !== "function") return "a served API without a chain";
  if (warnings.some((warning) => typeof warning.field !== "string" || typeof warning.message !== "string")) return "a malformed warning";
  if (api.notServed.some((field) => !warnings.some((warning) => warning.field === field && warning.security))) return "a refusal without its warning";
  return null;
}

const verdictOf = (result: ReturnType<typeof compileDefinition>) => (result.ok ? `ok ${result.api.chain.join(",")}` : `invalid ${result.error}`);

const compiled = new Tally();

async function compiles(document: unknown): Promise<Finding | null> {
  const started = Date.now();
  let first: ReturnType<typeof compileDefinition>;
  try {
    first = compileDefinition(document, config);
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const at = error instanceof Error ? (/\/(src\/[^\s):]+:\d+)/.exec(error.stack ?? "")?.[1] ?? "") : "";
    return { kind: "crash", signature: `crash: compileDefinition threw ${message.slice(0, 100)} at ${at}`, detail: message };
  }
  const ms = Date.now() - started;
  if (ms > slowMs) return { kind: "slow", signature: `slow: compileDefinition took over ${slowMs} ms`, detail: `${ms} ms` };
  compiled.count(first.ok ? "compiled" : "invalid");
  const problem = outcomeShapeProblem(first);
  if (problem) return { kind: "shape", signature: `shape: compileDefinition returned ${problem}`, detail: verdictOf(first) };
  const second = compileDefinition(document, config);
  if (verdictOf(second) !== verdictOf(first)) {
    return { kind: "shape", signature: "shape: compileDefinition gave two verdicts", detail: `${verdictOf(first)} then ${verdictOf(second)}` };
  }
  return null;
}

/** A snapshot of several documents: bad ones are skipped, duplicate routes refused, never a throw. */
async function snapshotCompiles(documents: unknown[]): Promise<Finding | null> {
  const stored = new Map(documents.map((document, index) => [`doc-${index}`, document]));
  try {
    const { value: apis } = await withLoggedErrors(async () => compileStoredApis(stored, config));
    const routes = new Set(apis.map((api) => api.route));
    if (routes.size !== apis.length) return { kind: "shape", signature: "shape: a snapshot served two APIs on one route", detail: [...routes].join(" ") };
    return null;
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { kind: "crash", signature: `crash: compileStoredApis threw ${message.slice(0, 100)}`, detail: message };
  }
}

describe("fuzzed API definitions through compileDefinition", () => {
  it(
    "compile to a served API or issues, never a throw",
    async ({ task }) => {
      await runProperty(
        { name: "compileDefinition", arbitrary: documents, check: compiles, ciRuns: 500, tally: compiled, reach: { outcome: "compiled", share: 0.25 } },
        task.meta,
      );
    },
    timeoutFor(10_000),
  );

  it(
    "compile as a snapshot with bad and duplicate definitions skipped",
    async ({ task }) => {
      await runProperty(
        { name: "compileStoredApis", arbitrary: fc.array(documents, { minLength: 1, maxLength: 4 }), check: snapshotCompiles, ciRuns: 100 },
        task.meta,
      );
    },
    timeoutFor(10_000),
  );
});
