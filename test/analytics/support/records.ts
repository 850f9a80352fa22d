import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { expect } from "vitest";
import { analyticsRecordSchema, type AnalyticsRecord } from "../../../src/contract/analytics-record";
import app from "../../../src/index";

const queue = "portcullis-analytics";

/** Every analytics record the gateway put on the queue so far, validated against the record schema. */
export async function sentRecords(): Promise<AnalyticsRecord[]> {
  const response = await env.ANALYTICS_CAPTURE.fetch(`http://capture/messages?queue=${queue}`);
  const messages = (await response.json()) as { body: unknown }[];
  return messages.map((message) => analyticsRecordSchema.parse(message.body));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until `count` records match, then a little longer so a duplicate
 * would show up too, and returns all that match.
 */
export async function recordsMatching(match: (record: AnalyticsRecord) => boolean, count = 1, timeoutMs = 5000): Promise<AnalyticsRecord[]> {
  const deadline = Date.now() + timeoutMs;
  while ((await sentRecords()).filter(match).length < count && Date.now() < deadline) await sleep(25);
  await sleep(300);
  return (await sentRecords()).filter(match);
}

/** The single record of the request made with this User-Agent. */
export async function recordOf(userAgent: string): Promise<AnalyticsRecord> {
  const records = await recordsMatching((record) => record.user_agent === userAgent);
  expect(records).toHaveLength(1);
  return records[0]!;
}

export const byAgent = (userAgent: string) => (record: AnalyticsRecord) => record.user_agent === userAgent;

/**
 * Runs a request through the real gateway app with extra Worker vars (a
 * different analytics configuration) and the real bindings, and waits for
 * its `waitUntil` work, the queue send included.
 */
export async function gatewayWith(vars: Record<string, string>) {
  const bindings = { ...env, ...vars };
  return async (path: string, init: RequestInit = {}): Promise<Response> => {
    const ctx = createExecutionContext();
    const response = await app.fetch(new Request(`http://gateway.test${path}`, init), bindings, ctx);
    const body = await response.arrayBuffer();
    await waitOnExecutionContext(ctx);
    return new Response(body, response);
  };
}

let counter = 0;
/** A User-Agent no other request uses, so a test finds its own records on the shared queue. */
export const uniqueAgent = (label: string) => `analytics-test/${label}-${Date.now()}-${++counter}`;
