import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { UptimeRecord } from "../../src/contract/uptime-record";
import { sampleRecord } from "../../test/analytics/support/sample-record";
import { aggregateTotals, deadLettered, deliver, deliveriesOf, expectedTotals, sleep, storedInD1 } from "./support/pump";
import { sampleUptimeRecord } from "./support/uptime-record";

let counter = 0;
const uniquePrefix = () => `up${++counter}-${Date.now()}`;
const uptimeBatch = (count: number, prefix = uniquePrefix()) =>
  Array.from({ length: count }, (_, index) => sampleUptimeRecord(index, { api_id: `${prefix}-${index % 3}` }));
const requestBatch = (count: number, prefix: string) => Array.from({ length: count }, (_, index) => sampleRecord(index, { api_id: `${prefix}-${index % 3}` }));
const ids = (records: readonly { id: string }[]) => records.map((record) => record.id);

/** The D1 row an uptime result must become. */
const expectedRow = (record: UptimeRecord) => ({
  id: record.id,
  url: record.url,
  requesttime: record.request_time,
  responsecode: record.response_code,
  tcperror: record.tcp_error ? 1 : 0,
  servererror: record.server_error ? 1 : 0,
  day: record.day,
  month: record.month,
  year: record.year,
  hour: record.hour,
  minute: record.minute,
  timestamp: record.timestamp,
  expire_at: record.expireAt,
  apiid: record.api_id,
  orgid: record.org_id,
});

/** Dead-lettered bodies with these ids, polling briefly: the capture worker sees them a moment after the pump sent them. */
async function deadLetteredWith(wanted: string[]): Promise<unknown[]> {
  const pick = async () => (await deadLettered()).filter((body) => wanted.includes(String((body as { id?: unknown }).id)));
  let found = await pick();
  for (let tries = 0; tries < 100 && found.length < wanted.length; tries++) {
    await sleep(50);
    found = await pick();
  }
  return found;
}

describe("uptime results into D1", () => {
  it("stores each result in tyk_uptime_analytics with Tyk's values, and none in tyk_analytics", async () => {
    const batch = uptimeBatch(30);
    const result = await deliver(deliveriesOf(batch));
    expect(result.explicitAcks.toSorted()).toEqual(ids(batch).toSorted());
    expect(result.retryMessages).toEqual([]);
    const { results } = await env.ANALYTICS_DB.prepare("SELECT * FROM tyk_uptime_analytics WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY id")
      .bind(JSON.stringify(ids(batch)))
      .all();
    expect(results).toEqual(batch.map(expectedRow).toSorted((a, b) => (a.id < b.id ? -1 : 1)));
    // The sample covers a TCP error, a server error and a healthy check.
    expect(new Set(results.map((row) => `${row.tcperror}${row.servererror}${row.responsecode}`))).toEqual(new Set(["100", "01503", "00200"]));
    expect(await storedInD1(ids(batch))).toBe(0);
  });

  it("writes nothing twice when a batch is replayed or a result repeats within it", async () => {
    const batch = uptimeBatch(25);
    await deliver([...deliveriesOf(batch), { id: "copy", body: batch[3] }]);
    const again = await deliver(deliveriesOf(batch, 2));
    expect(again.explicitAcks).toHaveLength(25);
    expect(await storedInD1(ids(batch), "tyk_uptime_analytics")).toBe(25);
  });

  it("stores each kind of a mixed batch in its own table and counts only requests in the aggregates", async () => {
    const prefix = uniquePrefix();
    const requests = requestBatch(40, prefix);
    const uptime = uptimeBatch(20, prefix);
    const mixed = requests.flatMap((record, index) => (index % 2 === 0 ? [record, uptime[index / 2]!] : [record]));
    const result = await deliver(deliveriesOf(mixed));
    expect(result.explicitAcks).toHaveLength(60);
    expect(result.retryMessages).toEqual([]);
    expect(await storedInD1(ids(requests))).toBe(40);
    expect(await storedInD1(ids(requests), "tyk_uptime_analytics")).toBe(0);
    expect(await storedInD1(ids(uptime), "tyk_uptime_analytics")).toBe(20);
    expect(await storedInD1(ids(uptime))).toBe(0);
    expect(await aggregateTotals("tyk_analytics_hourly_api", prefix)).toEqual(expectedTotals(requests));
  });

  it("dead-letters an invalid uptime result alone, as it does an invalid request record, and stores the rest", async () => {
    const prefix = uniquePrefix();
    const requests = requestBatch(10, prefix);
    const uptime = uptimeBatch(10, prefix);
    const badUptime = { ...uptime[0]!, id: `${prefix}-bad-uptime`, response_code: "down" };
    const badRequest = { ...requests[0]!, id: `${prefix}-bad-request`, response_code: "down" };
    const poison = [
      { id: "bad-uptime", body: badUptime },
      { id: "bad-request", body: badRequest },
    ];
    const result = await deliver([...deliveriesOf([...requests, ...uptime]), ...poison]);
    expect(result.explicitAcks).toHaveLength(22);
    expect(result.retryMessages).toEqual([]);
    expect(await storedInD1(ids(uptime), "tyk_uptime_analytics")).toBe(10);
    expect(await storedInD1(ids(requests))).toBe(10);
    expect(await storedInD1([badUptime.id], "tyk_uptime_analytics")).toBe(0);
    const dead = await deadLetteredWith([badUptime.id, badRequest.id]);
    expect(dead).toHaveLength(2);
    expect(dead).toEqual(expect.arrayContaining([badUptime, badRequest]));
    // Sent in the same dead-letter batch as the invalid ones, had they been sent at all.
    const validIds = new Set(ids([...requests, ...uptime]));
    expect((await deadLettered()).filter((body) => validIds.has(String((body as { id?: unknown }).id)))).toEqual([]);
  });

  it("dead-letters a message of an unknown kind instead of storing it as a request record", async () => {
    const prefix = uniquePrefix();
    const unknown = { ...sampleRecord(1, { api_id: prefix }), kind: "graph" };
    const result = await deliver([{ id: "unknown-kind", body: unknown }]);
    expect(result.explicitAcks).toEqual(["unknown-kind"]);
    expect(await storedInD1([unknown.id])).toBe(0);
    expect(await deadLetteredWith([unknown.id])).toEqual([unknown]);
  });

  it("retries a mixed batch while a sink is down, acking nothing, and stores it once when the sink is back", async () => {
    const prefix = uniquePrefix();
    const mixed = [...requestBatch(5, prefix), ...uptimeBatch(5, prefix)];
    const down = { ANALYTICS_SINKS: "d1,postgres", POSTGRES_URL: "postgres://nobody@127.0.0.1:1/none" };
    const failed = await deliver(deliveriesOf(mixed), down);
    expect(failed.explicitAcks).toEqual([]);
    expect(failed.retryMessages.map((retry) => retry.msgId).toSorted()).toEqual(ids(mixed).toSorted());

    const recovered = await deliver(deliveriesOf(mixed, 2));
    expect(recovered.explicitAcks).toHaveLength(10);
    expect(await storedInD1(ids(mixed.slice(5)), "tyk_uptime_analytics")).toBe(5);
    expect(await storedInD1(ids(mixed.slice(0, 5)))).toBe(5);
  });
});
