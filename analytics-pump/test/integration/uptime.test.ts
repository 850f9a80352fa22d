import { describe, expect, it } from "vitest";
import type { UptimeRecord } from "../../../src/contract/uptime-record";
import { sampleRecord } from "../../../test/analytics/support/sample-record";
import { deadLettered, deliver, deliveriesOf, expectedTotals, sleep, storedInD1 } from "../support/pump";
import { sampleUptimeRecord } from "../support/uptime-record";
import { clickhouse, control, idList, postgresApiTotals, postgresQuery, storedInClickHouse, storedInPostgres } from "./support/stores";

let counter = 0;
const uniquePrefix = () => `upit${++counter}x${Date.now()}`;
const uptimeBatch = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, index) => sampleUptimeRecord(index, { api_id: `${prefix}-${index % 3}` }));
const requestBatch = (count: number, prefix: string) => Array.from({ length: count }, (_, index) => sampleRecord(index, { api_id: `${prefix}-${index % 3}` }));
const byId = <T extends { id: unknown }>(rows: T[]) => rows.toSorted((a, b) => (String(a.id) < String(b.id) ? -1 : 1));

/** The raw PostgreSQL row (node-postgres types: bigint as text, timestamptz as Date) an uptime result must become in `portcullis_uptime_checks`. */
const postgresRow = (record: UptimeRecord) => ({
  id: record.id,
  url: record.url,
  requesttime: String(record.request_time),
  responsecode: record.response_code,
  tcperror: record.tcp_error,
  servererror: record.server_error,
  day: record.day,
  month: record.month,
  year: record.year,
  hour: record.hour,
  minute: record.minute,
  timestamp: new Date(record.timestamp),
  expire_at: new Date(record.expireAt),
  apiid: record.api_id,
  orgid: record.org_id,
});

/** The ClickHouse JSONEachRow row (Int64 quoted, UInt8 booleans, DateTime to the second) an uptime result must become. */
const clickHouseRow = (record: UptimeRecord) => ({
  ...postgresRow(record),
  tcperror: record.tcp_error ? 1 : 0,
  servererror: record.server_error ? 1 : 0,
  timestamp: record.timestamp.slice(0, 19).replace("T", " "),
  expire_at: record.expireAt.slice(0, 19).replace("T", " "),
});

const postgresUptimeRows = async (prefix: string) =>
  byId(await postgresQuery<{ id: string }>("SELECT * FROM portcullis_uptime_checks WHERE apiid LIKE $1 || '%'", [prefix]));
const clickHouseUptimeRows = async (prefix: string) =>
  byId(await clickhouse<{ id: string }>(`SELECT * FROM portcullis_uptime_checks FINAL WHERE startsWith(apiid, '${prefix}')`));

describe("uptime results into Postgres and ClickHouse", () => {
  it("stores each kind of a mixed batch in its own table in every sink, with Tyk's values", async () => {
    const prefix = uniquePrefix();
    const requests = requestBatch(30, prefix);
    const uptime = uptimeBatch(30, prefix);
    const mixed = requests.flatMap((record, index) => [record, uptime[index]!]);
    const result = await deliver(deliveriesOf(mixed));
    expect(result.explicitAcks).toHaveLength(60);
    expect(result.retryMessages).toEqual([]);

    expect(await postgresUptimeRows(prefix)).toEqual(byId(uptime.map(postgresRow)));
    expect(await clickHouseUptimeRows(prefix)).toEqual(byId(uptime.map(clickHouseRow)));
    expect(await storedInD1(idList(uptime), "tyk_uptime_analytics")).toBe(30);

    expect(await storedInPostgres(idList(requests))).toBe(30);
    expect(await storedInD1(idList(requests))).toBe(30);
    expect((await storedInClickHouse(prefix)).exact).toBe(30);
    // No record crossed into the other kind's table.
    expect(await storedInPostgres(idList(uptime))).toBe(0);
    expect(await storedInPostgres(idList(requests), "portcullis_uptime_checks")).toBe(0);
    expect(await storedInD1(idList(uptime))).toBe(0);
    const [crossed] = await clickhouse<{ n: string }>(
      `SELECT count() AS n FROM tyk_analytics WHERE id IN (${idList(uptime)
        .map((id) => `'${id}'`)
        .join(",")})`,
    );
    expect(Number(crossed?.n)).toBe(0);
    expect((await postgresApiTotals(prefix)).hits).toBe(expectedTotals(requests).hits);
  });

  it("writes nothing twice when a batch is replayed", async () => {
    const prefix = uniquePrefix();
    const batch = uptimeBatch(40, prefix);
    await deliver(deliveriesOf(batch));
    const again = await deliver(deliveriesOf(batch, 2));
    expect(again.explicitAcks).toHaveLength(40);
    expect(await storedInPostgres(idList(batch), "portcullis_uptime_checks")).toBe(40);
    expect(await storedInD1(idList(batch), "tyk_uptime_analytics")).toBe(40);
    // ClickHouse keeps the copy until parts merge; FINAL reads see each result once.
    expect(await storedInClickHouse(prefix, "portcullis_uptime_checks")).toMatchObject({ exact: 40, distinct: 40 });
    let stored = Number.POSITIVE_INFINITY;
    for (let attempt = 0; attempt < 20 && stored !== 40; attempt++) {
      await clickhouse("OPTIMIZE TABLE portcullis_uptime_checks FINAL");
      stored = (await storedInClickHouse(prefix, "portcullis_uptime_checks")).stored;
      if (stored !== 40) await sleep(250);
    }
    expect(stored).toBe(40);
  });

  it("dead-letters an invalid uptime result alone, as it does an invalid request record, and no sink stores it", async () => {
    const prefix = uniquePrefix();
    const uptime = uptimeBatch(10, prefix);
    const requests = requestBatch(10, prefix);
    const badUptime = { ...uptime[0]!, id: `${prefix}-bad-uptime`, url: "" };
    const badRequest = { ...requests[0]!, id: `${prefix}-bad-request`, timestamp: "yesterday" };
    const result = await deliver([...deliveriesOf([...uptime, ...requests]), { id: "bad-uptime", body: badUptime }, { id: "bad-request", body: badRequest }]);
    expect(result.explicitAcks).toHaveLength(22);
    expect(result.retryMessages).toEqual([]);

    expect(await storedInPostgres(idList(uptime), "portcullis_uptime_checks")).toBe(10);
    expect((await storedInClickHouse(prefix, "portcullis_uptime_checks")).exact).toBe(10);
    expect(await storedInD1(idList(uptime), "tyk_uptime_analytics")).toBe(10);
    expect(await storedInPostgres(idList(requests))).toBe(10);
    expect(await storedInPostgres([badUptime.id], "portcullis_uptime_checks")).toBe(0);
    expect(await storedInD1([badUptime.id], "tyk_uptime_analytics")).toBe(0);

    // Every record of this test, valid or not, belongs to an API named after the prefix.
    const ours = async () => (await deadLettered()).filter((body) => String((body as { api_id?: unknown }).api_id).startsWith(prefix));
    let dead = await ours();
    for (let tries = 0; tries < 100 && dead.length < 2; tries++) {
      await sleep(50);
      dead = await ours();
    }
    expect(byId(dead as { id: string }[])).toEqual(byId([badUptime, badRequest]));
  });

  it("retries uptime results while ClickHouse is down and stores them once when it is back", async () => {
    const prefix = uniquePrefix();
    const batch = uptimeBatch(20, prefix);
    await control("clickhouse", "stop");
    try {
      const failed = await deliver(deliveriesOf(batch));
      expect(failed.explicitAcks).toEqual([]);
      expect(failed.retryMessages.map((retry) => retry.msgId).toSorted()).toEqual(idList(batch).toSorted());
    } finally {
      await control("clickhouse", "start");
    }
    const recovered = await deliver(deliveriesOf(batch, 2));
    expect(recovered.explicitAcks).toHaveLength(20);
    expect(await storedInPostgres(idList(batch), "portcullis_uptime_checks")).toBe(20);
    expect(await storedInD1(idList(batch), "tyk_uptime_analytics")).toBe(20);
    expect(await storedInClickHouse(prefix, "portcullis_uptime_checks")).toEqual({ stored: 20, exact: 20, distinct: 20 });
  });
});
