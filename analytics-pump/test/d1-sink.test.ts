import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AnalyticsRecord } from "../../src/contract/analytics-record";
import { sampleRecord } from "../../test/analytics/support/sample-record";
import { aggregateTotals, deadLettered, deliver, deliveriesOf, expectedTotals, sleep, storedInD1 } from "./support/pump";

let batchCounter = 0;
/** Records for APIs named after a prefix no other test uses, so aggregates can be compared exactly. */
function records(count: number): { prefix: string; records: AnalyticsRecord[] } {
  const prefix = `d1t${++batchCounter}-${Date.now()}`;
  return { prefix, records: Array.from({ length: count }, (_, index) => sampleRecord(index, { api_id: `${prefix}-${index % 3}` })) };
}

describe("pump into D1", () => {
  it("stores a batch and acks every message only after the commit", async () => {
    const { prefix, records: batch } = records(100);
    const result = await deliver(deliveriesOf(batch));
    expect(result.outcome).toBe("ok");
    expect(result.explicitAcks.toSorted()).toEqual(batch.map((record) => record.id).toSorted());
    expect(result.retryMessages).toEqual([]);
    expect(await storedInD1(batch.map((record) => record.id))).toBe(100);
    expect(await aggregateTotals("tyk_analytics_hourly_api", prefix)).toEqual(expectedTotals(batch));
    expect(await aggregateTotals("tyk_analytics_hourly_key", prefix)).toEqual(expectedTotals(batch));
  });

  it("stores Tyk's columns", async () => {
    const record = sampleRecord(3, { api_id: `cols-${Date.now()}`, tags: ["a", "b"], track_path: true });
    await deliver(deliveriesOf([record]));
    const row = await env.ANALYTICS_DB.prepare("SELECT * FROM tyk_analytics WHERE id = ?1").bind(record.id).first<Record<string, unknown>>();
    expect(row).toMatchObject({
      rawpath: record.raw_path,
      contentlength: record.content_length,
      useragent: record.user_agent,
      responsecode: record.response_code,
      apikey: record.api_key,
      apiversion: record.api_version,
      apiid: record.api_id,
      orgid: record.org_id,
      requesttime: record.request_time,
      ipaddress: record.ip_address,
      countrycode: "NL",
      trackpath: 1,
      timestamp: record.timestamp,
      listenpath: record.listen_path,
      originalpath: record.original_path,
    });
    expect(JSON.parse(String(row?.tags))).toEqual(["a", "b"]);
    expect(JSON.parse(String(row?.latency))).toEqual(record.latency);
  });

  it("creates no duplicates when a batch is delivered again", async () => {
    const { prefix, records: batch } = records(60);
    await deliver(deliveriesOf(batch));
    const again = await deliver(deliveriesOf(batch, 2));
    expect(again.explicitAcks).toHaveLength(60);
    expect(await storedInD1(batch.map((record) => record.id))).toBe(60);
    expect(await aggregateTotals("tyk_analytics_hourly_api", prefix)).toEqual(expectedTotals(batch));
  });

  it("writes a record sent twice in one batch once", async () => {
    const { prefix, records: batch } = records(10);
    const twice = [...deliveriesOf(batch), { id: "copy-of-first", body: batch[0] }];
    const result = await deliver(twice);
    expect(result.explicitAcks).toHaveLength(11);
    expect(await storedInD1(batch.map((record) => record.id))).toBe(10);
    expect((await aggregateTotals("tyk_analytics_hourly_api", prefix)).hits).toBe(10);
  });

  it("dead-letters an invalid record alone and stores the rest of its batch", async () => {
    const { prefix, records: batch } = records(20);
    const poison = { id: "poison-1", body: { ...batch[0], id: "poison-record", response_code: "two hundred" } };
    const result = await deliver([...deliveriesOf(batch), poison]);
    expect(result.explicitAcks).toHaveLength(21);
    expect(result.retryMessages).toEqual([]);
    expect(await storedInD1([...batch.map((record) => record.id), "poison-record"])).toBe(20);
    expect((await aggregateTotals("tyk_analytics_hourly_api", prefix)).hits).toBe(20);

    let dead: unknown[] = [];
    for (let tries = 0; tries < 100 && dead.length === 0; tries++) {
      dead = (await deadLettered()).filter((body) => (body as { id?: string }).id === "poison-record");
      if (dead.length === 0) await sleep(50);
    }
    expect(dead).toEqual([poison.body]);
    expect((await deadLettered()).filter((body) => batch.some((record) => record.id === (body as { id?: string }).id))).toEqual([]);
  });

  it("retries the whole batch when a sink fails, and acks nothing", async () => {
    const { prefix, records: batch } = records(5);
    const down = { ANALYTICS_SINKS: "d1,postgres", POSTGRES_URL: "postgres://nobody@127.0.0.1:1/none" };
    for (const attempts of [1, 2, 3]) {
      const failed = await deliver(deliveriesOf(batch, attempts), down);
      expect(failed.explicitAcks).toEqual([]);
      expect(failed.retryMessages.map((retry) => retry.msgId).toSorted()).toEqual(batch.map((record) => record.id).toSorted());
    }

    // The healthy sink already holds the records; the delivery that succeeds adds nothing twice.
    const recovered = await deliver(deliveriesOf(batch, 4));
    expect(recovered.explicitAcks).toHaveLength(5);
    expect(await storedInD1(batch.map((record) => record.id))).toBe(5);
    expect(await aggregateTotals("tyk_analytics_hourly_api", prefix)).toEqual(expectedTotals(batch));
  });

  it("retries the batch when the pump configuration is invalid", async () => {
    const { records: batch } = records(3);
    const result = await deliver(deliveriesOf(batch), { ANALYTICS_SINKS: "mongo" });
    expect(result.retryBatch.retry).toBe(true);
    expect(result.explicitAcks).toEqual([]);
    expect(await storedInD1(batch.map((record) => record.id))).toBe(0);
  });
});
