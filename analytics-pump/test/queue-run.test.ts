import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import { sampleRecord } from "../../test/analytics/support/sample-record";
import { migrateD1 } from "../src/sinks/d1";
import { aggregateTotals, expectedTotals, sleep, storedInD1 } from "./support/pump";

it("stores every record of a 10k run through the real queue exactly once", { timeout: 180_000 }, async () => {
  const prefix = `run-${Date.now()}`;
  const records = Array.from({ length: 10_000 }, (_, index) => sampleRecord(index, { api_id: `${prefix}-${index % 3}` }));
  const ids = records.map((record) => record.id);
  await migrateD1(env.ANALYTICS_DB);
  for (let offset = 0; offset < records.length; offset += 100) {
    await env.ANALYTICS_QUEUE.sendBatch(records.slice(offset, offset + 100).map((body) => ({ body, contentType: "json" as const })));
  }

  const deadline = Date.now() + 150_000;
  while (Date.now() < deadline && (await storedInD1(ids)) < ids.length) await sleep(250);
  await sleep(1000);

  expect(await storedInD1(ids)).toBe(10_000);
  expect(await aggregateTotals("tyk_analytics_hourly_api", prefix)).toEqual(expectedTotals(records));
  expect(await aggregateTotals("tyk_analytics_hourly_key", prefix)).toEqual(expectedTotals(records));
});
