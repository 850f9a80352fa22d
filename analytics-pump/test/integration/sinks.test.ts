import { describe, expect, it } from "vitest";
import type { AnalyticsRecord } from "../../../src/contract/analytics-record";
import { sampleRecord } from "../../../test/analytics/support/sample-record";
import { aggregateTotals, deliver, deliveriesOf, expectedTotals, storedInD1, type Totals } from "../support/pump";
import { clickhouse, control, idList, int, postgresApiTotals, postgresQuery, storedInClickHouse, storedInPostgres } from "./support/stores";

let counter = 0;
function records(count: number): { prefix: string; records: AnalyticsRecord[] } {
  const prefix = `it${++counter}x${Date.now()}`;
  return { prefix, records: Array.from({ length: count }, (_, index) => sampleRecord(index, { api_id: `${prefix}-${index % 3}` })) };
}

async function clickHouseTotals(prefix: string): Promise<Totals> {
  const [row] = await clickhouse<Record<keyof Totals, string>>(
    `SELECT sum(hits) AS hits, sum(success) AS success, sum(errors) AS errors, sum(total_requesttime) AS total_requesttime
     FROM tyk_analytics_hourly_api WHERE startsWith(apiid, '${prefix}')`,
  );
  return { hits: int(row?.hits), success: int(row?.success), errors: int(row?.errors), total_requesttime: int(row?.total_requesttime) };
}

describe("pump into Postgres and ClickHouse", () => {
  it("writes a batch to every sink and acks after all committed", async () => {
    const { prefix, records: batch } = records(100);
    const result = await deliver(deliveriesOf(batch));
    expect(result.explicitAcks).toHaveLength(100);
    expect(await storedInD1(idList(batch))).toBe(100);
    expect(await storedInPostgres(idList(batch))).toBe(100);
    expect(await storedInClickHouse(prefix)).toEqual({ stored: 100, exact: 100, distinct: 100 });
    expect(await postgresApiTotals(prefix)).toEqual(expectedTotals(batch));
    expect(await clickHouseTotals(prefix)).toEqual(expectedTotals(batch));
  });

  it("keeps tyk-pump's Postgres column names", async () => {
    const { records: batch } = records(1);
    const record = batch[0]!;
    await deliver(deliveriesOf(batch));
    const [row] = await postgresQuery<Record<string, unknown>>("SELECT * FROM tyk_analytics WHERE id = $1", [record.id]);
    expect(row).toMatchObject({
      rawpath: record.raw_path,
      contentlength: String(record.content_length),
      useragent: record.user_agent,
      responsecode: String(record.response_code),
      apikey: record.api_key,
      apiversion: record.api_version,
      apiid: record.api_id,
      orgid: record.org_id,
      oauthid: record.oauth_id,
      requesttime: String(record.request_time),
      ipaddress: record.ip_address,
      trackpath: record.track_path,
      originalpath: record.original_path,
      listenpath: record.listen_path,
      geo_country_iso_code: "NL",
      latency_total: String(record.latency.total),
      latency_upstream: String(record.latency.upstream),
      network_bytes_in: String(record.network.bytes_in),
      tags: JSON.stringify(record.tags),
    });
    expect((row!.timestamp as Date).toISOString()).toBe(record.timestamp);
  });

  it("creates no duplicates and no double counts when a batch is redelivered", async () => {
    const { prefix, records: batch } = records(50);
    await deliver(deliveriesOf(batch));
    const again = await deliver(deliveriesOf(batch, 2));
    expect(again.explicitAcks).toHaveLength(50);
    expect(await storedInPostgres(idList(batch))).toBe(50);
    expect(await postgresApiTotals(prefix)).toEqual(expectedTotals(batch));
    expect(await aggregateTotals("tyk_analytics_hourly_api", prefix)).toEqual(expectedTotals(batch));
    // ClickHouse stores the copy until parts merge; FINAL reads (and the views) see each record once.
    const clickHouse = await storedInClickHouse(prefix);
    expect(clickHouse.exact).toBe(50);
    expect(clickHouse.distinct).toBe(50);
    expect(await clickHouseTotals(prefix)).toEqual(expectedTotals(batch));
    // A merge already running makes OPTIMIZE return without merging, so ask again (bounded).
    let stored = Number.POSITIVE_INFINITY;
    for (let attempt = 0; attempt < 20 && stored !== 50; attempt++) {
      await clickhouse("OPTIMIZE TABLE tyk_analytics FINAL");
      stored = (await storedInClickHouse(prefix)).stored;
      if (stored !== 50) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(stored).toBe(50);
  });

  it("retries the batch while a sink is down and stores it once when it is back", async () => {
    const { prefix, records: batch } = records(20);
    await control("clickhouse", "stop");
    try {
      const failed = await deliver(deliveriesOf(batch));
      expect(failed.explicitAcks).toEqual([]);
      expect(failed.retryMessages).toHaveLength(20);
    } finally {
      await control("clickhouse", "start");
    }
    const recovered = await deliver(deliveriesOf(batch, 2));
    expect(recovered.explicitAcks).toHaveLength(20);
    expect(await storedInPostgres(idList(batch))).toBe(20);
    expect(await storedInD1(idList(batch))).toBe(20);
    expect(await storedInClickHouse(prefix)).toEqual({ stored: 20, exact: 20, distinct: 20 });
    expect(await postgresApiTotals(prefix)).toEqual(expectedTotals(batch));
  });
});
