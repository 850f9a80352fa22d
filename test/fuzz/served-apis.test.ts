import fc from "fast-check";
import { describe, it } from "vitest";
import { gateway, upstreamUrl } from "../support/gateway";
import { call, jsonBody, segment } from "./support/admin-calls";
import { type DefinitionShape, definitionFrom, definitionShapes, onLoopback } from "./support/definitions";
import { servedExpectations } from "./support/expectations";
import { runProperty, Tally } from "./support/property";
import type { Finding } from "./support/report";
import { type RequestCase, requestCases } from "./support/requests";
import { timeoutFor } from "./support/settings";
import { adminVerdict, answerOf, fromUpstream, proxyVerdict } from "./support/verdicts";

/*
 * Fuzzed definitions served for real: each case stores a few definitions
 * through POST /tyk/apis, reloads, sends fuzzed requests to every API that
 * was accepted, and deletes them. Invariants: no crash; no 5xx but the ones
 * the definition itself sets up (a mock reply's code, "This API is not
 * served" for a refused field, upstream failures behind rewrites, timeouts or
 * breakers); every answer the gateway makes itself is Tyk's error document or
 * an answer the definition asked for (mock replies, CORS preflights).
 */

const origin = "http://gateway.test";
const perApi = 3;

/** Short requests only: long runs of one character are for patterns.test.ts, which bounds them. */
const requests = requestCases(origin, "/fzs0").filter((request) => request.suffix.length <= 64 && request.headers.every(([, value]) => value.length <= 128));

interface Batch {
  shapes: DefinitionShape[];
  requests: RequestCase[];
}

const batches: fc.Arbitrary<Batch> = fc.record({
  shapes: fc.array(definitionShapes, { minLength: 1, maxLength: 3 }),
  requests: fc.array(requests, { minLength: perApi, maxLength: perApi }),
});

const tally = new Tally();

async function serveBatch({ shapes, requests: sent }: Batch): Promise<Finding | null> {
  const accepted: { apiId: string; listenPath: string; definition: Record<string, unknown>; warnings: { security?: boolean }[] }[] = [];
  try {
    for (const [index, shape] of shapes.entries()) {
      const listenPath = `/fzs${index}`;
      const definition = onLoopback(definitionFrom(shape, `fzs${index}`, `${listenPath}/`, `${upstreamUrl()}/fuzz`), upstreamUrl()) as Record<string, unknown>;
      const answer = await call("POST", "/apis", JSON.stringify(definition));
      const verdict = adminVerdict(answer, "POST /tyk/apis");
      if (verdict) return verdict;
      if ("status" in answer && answer.status === 200) {
        const warnings = ((jsonBody(answer) as { warnings?: { security?: boolean }[] }).warnings ?? []) as { security?: boolean }[];
        accepted.push({ apiId: String(definition["api_id"]), listenPath, definition, warnings });
      }
    }
    tally.count(`${accepted.length} of ${shapes.length} served`);
    if (accepted.length === 0) return null;
    const reload = adminVerdict(await call("GET", "/reload"), "GET /tyk/reload");
    if (reload) return reload;
    for (const { listenPath, definition, warnings } of accepted) {
      for (const request of sent) {
        const answer = await answerOf(() =>
          gateway(`${listenPath}${request.suffix}`, { method: request.method, headers: request.headers, body: request.body }),
        );
        if ("status" in answer) tally.count(fromUpstream(answer) ? "proxied" : `answered ${answer.status}`);
        const verdict = proxyVerdict(answer, "a request to a fuzzed definition", servedExpectations(definition, warnings, request.method));
        if (verdict) return verdict;
      }
    }
    return null;
  } finally {
    for (const { apiId } of accepted) await call("DELETE", `/apis/${segment(apiId)}`);
  }
}

describe("fuzzed definitions, served", () => {
  it(
    "answer fuzzed requests without a crash or a 5xx they did not set up",
    async ({ task }) => {
      await runProperty(
        { name: "served definitions", arbitrary: batches, check: serveBatch, ciRuns: 30, tally, reach: { outcome: "proxied", share: 0.5 } },
        task.meta,
      );
    },
    timeoutFor(15_000),
  );
});
