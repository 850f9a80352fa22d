import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AnalyticsRecord } from "../../../src/contract/analytics-record";
import { sampleRecord } from "../../../test/analytics/support/sample-record";
import { ClickHouseDashboardQueries } from "../../src/dashboard/queries-clickhouse";
import { D1DashboardQueries } from "../../src/dashboard/queries-d1";
import { PostgresDashboardQueries } from "../../src/dashboard/queries-postgres";
import { deliver, deliveriesOf } from "../support/pump";
import { postgresQuery } from "./support/stores";

/*
 * The dashboard's readers over PostgreSQL and ClickHouse on a known set of
 * records in a window no other test writes to, and the SQL a dashboard built
 * for tyk-pump (Grafana over its tables) runs, unchanged, on ours.
 */

const org = `dash${Date.now()}`;
const hourStart = Date.UTC(2025, 6, 1, 12) / 1000;
const geo = (iso_code: string) => ({ country: { iso_code }, city: { geoname_id: 0, names: {} }, location: { latitude: 0, longitude: 0, time_zone: "" } });

/** Ten requests, one a minute from 12:00: request times 1..10 ms (sample latencies 5..14 ms), two APIs, two keys and a keyless one, three countries. */
const records: AnalyticsRecord[] = Array.from({ length: 10 }, (_, index) =>
  sampleRecord(index, {
    org_id: org,
    api_id: index < 6 ? `${org}-shop` : `${org}-auth`,
    api_name: index < 6 ? "Shop" : "Auth",
    api_key: index % 3 === 2 ? "" : index % 3 === 0 ? "k-alice" : "k-bob",
    alias: index % 3 === 0 ? "alice" : index % 3 === 1 ? "bob" : "",
    response_code: index === 4 ? 500 : index === 7 ? 404 : 200,
    request_time: index + 1,
    timestamp: new Date((hourStart + index * 60) * 1000).toISOString(),
    expireAt: "2036-01-01T00:00:00.000Z",
    geo: geo(index < 5 ? "NL" : index < 8 ? "DE" : "FR"),
  }),
);

const range = { from: hourStart, to: hourStart + 3_600, bucketSeconds: 300 };

const expected = {
  range,
  totals: { requests: 10, errors: 2, errorRate: 0.2 },
  series: [
    { bucket: hourStart, requests: 5, errors: 1 },
    { bucket: hourStart + 300, requests: 5, errors: 1 },
  ],
  latency: { p50: 5, p95: 10, p99: 10 },
  topApis: [
    { apiId: `${org}-shop`, apiName: "Shop", requests: 6, errors: 1 },
    { apiId: `${org}-auth`, apiName: "Auth", requests: 4, errors: 1 },
  ],
  topKeys: [
    { key: "k-alice", alias: "alice", requests: 4 },
    { key: "k-bob", alias: "bob", requests: 3 },
  ],
  statusCodes: [
    { code: 200, requests: 8 },
    { code: 404, requests: 1 },
    { code: 500, requests: 1 },
  ],
  countries: [
    { country: "NL", requests: 5 },
    { country: "DE", requests: 3 },
    { country: "FR", requests: 2 },
  ],
};

const clickHouseOptions = () => ({ url: env.CLICKHOUSE_URL!, database: "default", user: "default", password: "" });

describe("dashboard readers and tyk-pump dashboard queries", () => {
  it("reads the same figures from PostgreSQL and ClickHouse as from D1, a redelivered batch counted once", async () => {
    await deliver(deliveriesOf(records));
    await deliver(deliveriesOf(records, 2));
    expect(await new PostgresDashboardQueries(env.POSTGRES_URL!).read(range, 5)).toEqual({ ...expected, sink: "postgres" });
    expect(await new ClickHouseDashboardQueries(clickHouseOptions()).read(range, 5)).toEqual({ ...expected, sink: "clickhouse" });
    expect(await new D1DashboardQueries(env.ANALYTICS_DB).read(range, 5)).toEqual({ ...expected, sink: "d1" });
  });

  it("reads the window's day tables when sharding", async () => {
    const sharded = records.map((record) => ({ ...record, id: crypto.randomUUID(), org_id: `${org}-sharded` }));
    const shardedRange = { from: hourStart + 86_400, to: hourStart + 86_400 + 3_600, bucketSeconds: 300 };
    const nextDay = sharded.map((record) => ({ ...record, timestamp: new Date(Date.parse(record.timestamp) + 86_400_000).toISOString() }));
    await deliver(deliveriesOf(nextDay), { PUMP_POSTGRES_TABLE_SHARDING: "true" });
    const data = await new PostgresDashboardQueries(env.POSTGRES_URL!, { tableSharding: true }).read(shardedRange, 5);
    expect(data.totals).toEqual(expected.totals);
    expect(data.latency).toEqual(expected.latency);
  });

  it("answers the SQL a tyk-pump dashboard runs over tyk_aggregated and tyk_analytics", async () => {
    await deliver(deliveriesOf(records));
    const between = [org, hourStart, hourStart + 3_600];
    // Requests over time: the org's total row per hour.
    const overTime = await postgresQuery<{ time: Date; hits: string; errors: string }>(
      `SELECT to_timestamp("timestamp") AS time, counter_hits AS hits, counter_error AS errors FROM tyk_aggregated
       WHERE org_id = $1 AND dimension = '' AND dimension_value = 'total' AND "timestamp" >= $2 AND "timestamp" < $3 ORDER BY 1`,
      between,
    );
    expect(overTime.map((row) => [row.time.toISOString(), Number(row.hits), Number(row.errors)])).toEqual([["2025-07-01T12:00:00.000Z", 10, 2]]);
    // Top APIs with success rate and average latency.
    const apis = await postgresQuery<Record<string, string>>(
      `SELECT counter_human_identifier AS api, sum(counter_hits) AS hits, sum(counter_success) AS success,
         round(sum(counter_total_request_time) / sum(counter_hits), 2) AS avg_ms, max(counter_max_latency) AS max_ms
       FROM tyk_aggregated WHERE org_id = $1 AND dimension = 'apiid' AND "timestamp" >= $2 AND "timestamp" < $3
       GROUP BY 1 ORDER BY hits DESC`,
      between,
    );
    expect(apis.map((row) => [row.api, Number(row.hits), Number(row.success), Number(row.avg_ms), Number(row.max_ms)])).toEqual([
      ["Shop", 6, 5, 3.5, 10],
      ["Auth", 4, 3, 8.5, 14],
    ]);
    // Error breakdown and the status-code columns.
    const errors = await postgresQuery<{ code: string; hits: string }>(
      `SELECT dimension_value AS code, sum(counter_hits) AS hits FROM tyk_aggregated
       WHERE org_id = $1 AND dimension = 'errors' AND "timestamp" >= $2 AND "timestamp" < $3 GROUP BY 1 ORDER BY 1`,
      between,
    );
    expect(errors.map((row) => [row.code, Number(row.hits)])).toEqual([
      ["404", 1],
      ["500", 1],
    ]);
    const [codes] = await postgresQuery<Record<string, string>>(
      `SELECT sum(code_404) AS c404, sum(code_500) AS c500, sum(code_5x) AS c5x FROM tyk_aggregated
       WHERE org_id = $1 AND dimension = '' AND "timestamp" >= $2 AND "timestamp" < $3`,
      between,
    );
    expect(Object.values(codes!).map(Number)).toEqual([1, 1, 0]);
    // Geo map and keys.
    const countries = await postgresQuery<{ country: string; hits: string }>(
      `SELECT dimension_value AS country, sum(counter_hits) AS hits FROM tyk_aggregated
       WHERE org_id = $1 AND dimension = 'geo' GROUP BY 1 ORDER BY hits DESC`,
      [org],
    );
    expect(countries.map((row) => [row.country, Number(row.hits)])).toEqual([
      ["NL", 5],
      ["DE", 3],
      ["FR", 2],
    ]);
    const keys = await postgresQuery<{ key: string; alias: string; hits: string }>(
      `SELECT dimension_value AS key, max(counter_human_identifier) AS alias, sum(counter_hits) AS hits FROM tyk_aggregated
       WHERE org_id = $1 AND dimension = 'apikeys' GROUP BY 1 ORDER BY hits DESC`,
      [org],
    );
    expect(keys.map((row) => [row.key, row.alias, Number(row.hits)])).toEqual([
      ["k-alice", "alice", 4],
      ["k-bob", "bob", 3],
    ]);
    // The raw log panel and a latency percentile over tyk_analytics.
    const log = await postgresQuery<Record<string, unknown>>(
      `SELECT "timestamp", method, path, responsecode, requesttime, latency_upstream, geo_country_iso_code, "expireAt"
       FROM tyk_analytics WHERE orgid = $1 AND "timestamp" >= to_timestamp($2) ORDER BY "timestamp" DESC LIMIT 3`,
      between.slice(0, 2),
    );
    expect(log.map((row) => Number(row.responsecode))).toEqual([200, 200, 404]);
    const [p95] = await postgresQuery<{ p95: string }>(
      `SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_total) AS p95 FROM tyk_analytics WHERE orgid = $1`,
      [org],
    );
    expect(Number(p95!.p95)).toBeCloseTo(13.55, 5);
  });
});
