import { describe, expect, it } from "vitest";
import type { AnalyticsRecord } from "../../../src/contract/analytics-record";
import { sampleRecord } from "../../../test/analytics/support/sample-record";
import { deliver, deliveriesOf } from "../support/pump";
import { sampleUptimeRecord } from "../support/uptime-record";
import { clickhouse, idList, postgresQuery, storedInPostgres } from "./support/stores";
import { columnsOf, text, tykAggregate, tykAnalytics } from "./support/tyk-pump-schema";

/*
 * The PostgreSQL tables against tyk-pump's, as its source defines them
 * (analytics.AnalyticsRecord, SQLAnalyticsRecordAggregate,
 * UptimeReportAggregateSQL through gorm with AutoEmbedd and UseJSONTags), and
 * the aggregates against tyk-pump's rules on a hand-made set of records.
 */

async function indexesOf(table: string): Promise<string[]> {
  const rows = await postgresQuery<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = $1", [table]);
  return rows.map((row) => row.indexname);
}

const hex = (value: string) => Array.from(new TextEncoder().encode(value), (byte) => byte.toString(16).padStart(2, "0")).join("");
const unpaddedBase64 = (value: string) => btoa(value).replace(/=+$/, "");

let counter = 0;
const uniqueOrg = () => `parity${++counter}x${Date.now()}`;
const hour = "2026-03-04T10";
const hourSeconds = Date.UTC(2026, 2, 4, 10) / 1000;
const farFuture = "2036-01-01T00:00:00.000Z";

/** Six requests in one hour, chosen so every rule of tyk-pump's aggregation shows (see the expectations). */
function knownRecords(org: string): AnalyticsRecord[] {
  const record = (minute: number, code: number, latency: number, overrides: Partial<AnalyticsRecord>) =>
    sampleRecord(minute, {
      org_id: org,
      api_id: `${org}-a`,
      api_name: "API A",
      api_version: "v1",
      timestamp: `${hour}:0${minute}:00.000Z`,
      expireAt: farFuture,
      response_code: code,
      request_time: latency,
      latency: { total: latency, upstream: latency - 1, gateway: 1 },
      geo: { country: { iso_code: "" }, city: { geoname_id: 0, names: {} }, location: { latitude: 0, longitude: 0, time_zone: "" } },
      tags: [],
      api_key: "",
      alias: "",
      oauth_id: "",
      track_path: false,
      ...overrides,
    });
  const geo = (iso_code: string) => ({ country: { iso_code }, city: { geoname_id: 0, names: {} }, location: { latitude: 0, longitude: 0, time_zone: "" } });
  return [
    record(1, 200, 10, { api_key: "k1", alias: "alice", tags: ["gold", "key-k1hash", " a.b "], geo: geo("NL"), track_path: true, path: "/x.json" }),
    record(2, 201, 30, { api_key: "k1", alias: "alice", tags: ["gold"], geo: geo("NL") }),
    record(3, 302, 4, { api_key: "k2" }),
    record(4, 404, 2, { api_key: "k2", geo: geo("DE") }),
    record(5, 500, 50, { geo: geo("DE"), oauth_id: "client-1" }),
    record(6, 418, 6, { api_key: "k1", alias: "alice2", geo: geo("NL") }),
  ];
}

type AggregateRow = Record<string, string | number | Date>;

async function aggregates(org: string, table = "tyk_aggregated"): Promise<Map<string, AggregateRow>> {
  const rows = await postgresQuery<AggregateRow>(`SELECT * FROM ${table} WHERE org_id = $1`, [org]);
  return new Map(rows.map((row) => [`${row.dimension}:${row.dimension_value}`, row]));
}

const counts = (row: AggregateRow | undefined) =>
  row && {
    hits: Number(row.counter_hits),
    success: Number(row.counter_success),
    error: Number(row.counter_error),
    totalRequestTime: Number(row.counter_total_request_time),
    minLatency: Number(row.counter_min_latency),
    maxLatency: Number(row.counter_max_latency),
    human: row.counter_human_identifier,
  };

describe("tyk-pump's PostgreSQL tables", () => {
  it("has tyk-pump's columns and types (plus the record id) and its indexes", async () => {
    await deliver(deliveriesOf([sampleRecord(0), sampleUptimeRecord(0)]));
    expect(await columnsOf("tyk_analytics")).toEqual({ id: text, ...tykAnalytics });
    expect(await columnsOf("tyk_aggregated")).toEqual(tykAggregate);
    expect(await columnsOf("tyk_uptime_analytics")).toEqual(tykAggregate);
    expect(await indexesOf("tyk_analytics")).toEqual(
      expect.arrayContaining(["responsecode", "apikey", "timestamp", "apiid", "orgid", "oauthid"].map((column) => `tyk_analytics_idx_${column}`)),
    );
    expect(await indexesOf("tyk_aggregated")).toContain("tyk_aggregated_idx_dimension");
    expect(await indexesOf("tyk_uptime_analytics")).toContain("dimension");
  });

  it("gives ClickHouse's tyk_analytics the same column names", async () => {
    await deliver(deliveriesOf([sampleRecord(0)]));
    const columns = await clickhouse<{ name: string }>("SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'tyk_analytics'");
    expect(columns.map((column) => column.name).toSorted()).toEqual(["id", ...Object.keys(tykAnalytics)].toSorted());
  });

  it("aggregates as tyk-pump does: 2xx success, error codes, dimensions, ids, hour in Unix seconds", async () => {
    const org = uniqueOrg();
    const records = knownRecords(org);
    await deliver(deliveriesOf(records));
    const rows = await aggregates(org);
    const endpoint = unpaddedBase64(`${org}-a:/x.json`);
    expect([...rows.keys()].toSorted()).toEqual(
      [
        ":total",
        `apiid:${org}-a`,
        "errors:404",
        "errors:500",
        "errors:418",
        `versions:${unpaddedBase64(`${org}-a:v1`)}`,
        "apikeys:k1",
        "apikeys:k2",
        "oauthids:client-1",
        "geo:NL",
        "geo:DE",
        "tags:gold",
        "tags:ab",
        "endpoints:/x\\u2ejson",
        `apiendpoints:${hex(`${org}-a:v1:/x.json`)}`,
        `keyendpoints:k1.${endpoint}`,
      ].toSorted(),
    );
    const total = rows.get(":total")!;
    expect(total.id).toBe(hex(`${hourSeconds}${org}total`));
    expect(Number(total.timestamp)).toBe(hourSeconds);
    // 302 is neither success nor error; only a 2xx lowers the total's minimum, any non-error a dimension's.
    expect(counts(total)).toEqual({ hits: 6, success: 2, error: 3, totalRequestTime: 102, minLatency: 10, maxLatency: 50, human: "" });
    expect(counts(rows.get(`apiid:${org}-a`))).toEqual({ hits: 6, success: 2, error: 3, totalRequestTime: 102, minLatency: 4, maxLatency: 50, human: "API A" });
    expect(Number(total.counter_request_time)).toBe(17);
    expect(Number(total.counter_latency)).toBe(17);
    expect(Number(total.counter_upstream_latency)).toBe(16);
    expect((total.counter_last_time as Date).toISOString()).toBe(`${hour}:06:00.000Z`);
    expect((rows.get(`apiid:${org}-a`)!.counter_last_time as Date).toISOString()).toBe(`${hour}:01:00.000Z`);
    // Named codes in their own column, others in their class; 2xx never counted in a request aggregate.
    expect([total.code_404, total.code_500, total.code_4x, total.code_200, total.code_3x].map(Number)).toEqual([1, 1, 1, 0, 0]);
    expect(counts(rows.get("apikeys:k1"))).toMatchObject({ hits: 3, success: 2, error: 1, human: "alice2" });
    expect(counts(rows.get("apikeys:k2"))).toMatchObject({ hits: 2, success: 0, error: 1, minLatency: 4 });
    expect(counts(rows.get("geo:DE"))).toMatchObject({ hits: 2, error: 2 });
    expect(counts(rows.get("tags:gold"))).toMatchObject({ hits: 2, human: "gold" });
    expect(rows.get("endpoints:/x\\u2ejson")!.counter_identifier).toBe("/x.json");
    expect(rows.get(`versions:${unpaddedBase64(`${org}-a:v1`)}`)!.counter_identifier).toBe("v1");
    expect(total.counter_error_map).toBe("{}");
  });

  it("adds a later batch with tyk-pump's upsert, and a redelivered batch changes nothing", async () => {
    const org = uniqueOrg();
    const records = knownRecords(org);
    await deliver(deliveriesOf(records));
    await deliver(deliveriesOf(records, 2));
    const later = sampleRecord(7, {
      ...records[1]!,
      id: crypto.randomUUID(),
      response_code: 200,
      request_time: 1,
      latency: { total: 1, upstream: 1, gateway: 0 },
    });
    await deliver(deliveriesOf([later]));
    const total = (await aggregates(org)).get(":total")!;
    expect(counts(total)).toEqual({ hits: 7, success: 3, error: 3, totalRequestTime: 103, minLatency: 1, maxLatency: 50, human: "" });
    expect(Number(total.counter_request_time)).toBeCloseTo(103 / 7, 6);
    expect(await storedInPostgres(idList(records))).toBe(6);
  });

  it("aggregates uptime checks into tyk_uptime_analytics, 2xx codes included, and keeps the checks once", async () => {
    const org = uniqueOrg();
    const checks = [200, 200, 503, 0].map((code, index) =>
      sampleUptimeRecord(index, { org_id: org, url: "http://upstream.test/health", response_code: code, request_time: 10 * (index + 1) }),
    );
    await deliver(deliveriesOf(checks));
    await deliver(deliveriesOf(checks, 2));
    const rows = await aggregates(org, "tyk_uptime_analytics");
    const total = rows.get(":total")!;
    expect([total.counter_hits, total.counter_success, total.counter_error, total.code_200, total.code_503].map(Number)).toEqual([4, 2, 1, 2, 1]);
    expect(Number(rows.get("url:http://upstream.test/health")!.counter_total_request_time)).toBe(100);
    expect(Number(rows.get("errors:503")!.counter_hits)).toBe(1);
    expect(await storedInPostgres(idList(checks), "portcullis_uptime_checks")).toBe(4);
  });

  it("shards by UTC day when PUMP_POSTGRES_TABLE_SHARDING is set", async () => {
    const org = uniqueOrg();
    const records = ["2026-02-10T23:59:00.000Z", "2026-02-11T00:01:00.000Z", "2026-02-11T05:00:00.000Z"].map((timestamp, index) =>
      sampleRecord(index, { org_id: org, api_id: `${org}-a`, timestamp, expireAt: farFuture }),
    );
    await deliver(deliveriesOf(records), { PUMP_POSTGRES_TABLE_SHARDING: "true" });
    const count = async (table: string) => Number((await postgresQuery<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE orgid = $1`, [org]))[0]!.n);
    expect([await count("tyk_analytics_20260210"), await count("tyk_analytics_20260211"), await count("tyk_analytics")]).toEqual([1, 2, 0]);
    const hits = async (table: string) =>
      Number((await postgresQuery<{ n: string }>(`SELECT sum(counter_hits) AS n FROM ${table} WHERE org_id = $1 AND dimension = ''`, [org]))[0]?.n ?? 0);
    expect([await hits("tyk_aggregated_20260210"), await hits("tyk_aggregated_20260211")]).toEqual([1, 2]);
    expect(await columnsOf("tyk_analytics_20260211")).toEqual({ id: text, ...tykAnalytics });
    expect(await indexesOf("tyk_aggregated_20260211")).toContain("tyk_aggregated_20260211_idx_dimension");
  });
});
