import type { AnalyticsRecord } from "../../../src/contract/analytics-record";
import type { UptimeRecord } from "../../../src/contract/uptime-record";
import { sqlRow } from "./rows";
import type { Migration } from "./sink";
import { uptimeSqlRow } from "./uptime-rows";

/*
 * ClickHouse keeps Tyk's column names but flattens `network` and `latency`
 * into numeric columns, which ClickHouse aggregates far better than JSON.
 *
 * Exactly-once: each table is a ReplacingMergeTree whose sorting key ends with
 * the record id, so a record written twice (a redelivered batch) is one row
 * once parts merge, and every read that must be exact uses FINAL (the
 * aggregate views do). Block-level insert deduplication would be cheaper but
 * needs `insert_deduplication_token` (ClickHouse 22.2+), which Debian's
 * ClickHouse (18.16) does not have.
 *
 * Retention: `TTL expire_at` when the server supports TTL (19.6+); older
 * servers keep rows until their monthly partition is dropped by hand.
 */

/** DateTime stops at 2106; Tyk's "never expires" (now + 100 years) is clamped to it. */
const maxDateTime = "2105-12-31 23:59:59";

const dateTime = (instant: string): string => {
  const text = new Date(instant).toISOString().slice(0, 19).replace("T", " ");
  return text > maxDateTime ? maxDateTime : text;
};

/** The SQL row with ClickHouse's types: DateTime text, flat numeric network/latency columns, UInt8 booleans. */
export function clickHouseRow(record: AnalyticsRecord) {
  const { network, latency, ...row } = sqlRow(record);
  return {
    ...row,
    timestamp: dateTime(record.timestamp),
    expire_at: dateTime(record.expireAt),
    citynames: JSON.stringify(row.citynames),
    trackpath: row.trackpath ? 1 : 0,
    network_open_connections: network.open_connections,
    network_closed_connections: network.closed_connections,
    network_bytes_in: network.bytes_in,
    network_bytes_out: network.bytes_out,
    latency_total: latency.total,
    latency_upstream: latency.upstream,
    latency_gateway: latency.gateway,
  };
}

/** The uptime row with ClickHouse's types: DateTime text, UInt8 booleans. */
export function clickHouseUptimeRow(record: UptimeRecord) {
  const row = uptimeSqlRow(record);
  return {
    ...row,
    timestamp: dateTime(record.timestamp),
    expire_at: dateTime(record.expireAt),
    tcperror: row.tcperror ? 1 : 0,
    servererror: row.servererror ? 1 : 0,
  };
}

const tableSql = (ttl: boolean) => `CREATE TABLE IF NOT EXISTS tyk_analytics (
  id String, method String, host String, path String, rawpath String, contentlength Int64, useragent String,
  day UInt8, month UInt8, year UInt16, hour UInt8, responsecode UInt16, apikey String, timestamp DateTime('UTC'),
  apiversion String, api_name String, apiid String, orgid String, oauthid String, requesttime Int64,
  rawrequest String, rawresponse String, ipaddress String, countrycode String, citygeonameid UInt32,
  citynames String, latitude Float64, longitude Float64, timezone String,
  network_open_connections Int64, network_closed_connections Int64, network_bytes_in Int64, network_bytes_out Int64,
  latency_total Int64, latency_upstream Int64, latency_gateway Int64, tags Array(String), alias String,
  trackpath UInt8, expire_at DateTime('UTC'), originalpath String, listenpath String
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (orgid, apiid, timestamp, id)${ttl ? "\nTTL expire_at" : ""}`;

const hourlyApiView = `CREATE VIEW IF NOT EXISTS tyk_analytics_hourly_api AS
SELECT toStartOfHour(timestamp) AS hour, orgid, apiid, count() AS hits,
  countIf(responsecode < 400) AS success, countIf(responsecode >= 400) AS errors,
  sum(requesttime) AS total_requesttime, sum(latency_upstream) AS total_upstream, max(requesttime) AS max_requesttime,
  quantile(0.95)(requesttime) AS p95_requesttime
FROM tyk_analytics FINAL
GROUP BY hour, orgid, apiid`;

const hourlyKeyView = `CREATE VIEW IF NOT EXISTS tyk_analytics_hourly_key AS
SELECT toStartOfHour(timestamp) AS hour, orgid, apiid, apikey, count() AS hits,
  countIf(responsecode < 400) AS success, countIf(responsecode >= 400) AS errors, sum(requesttime) AS total_requesttime
FROM tyk_analytics FINAL
GROUP BY hour, orgid, apiid, apikey`;

/** `url` is in the sorting key because uptime is read per checked URL. */
const uptimeTableSql = (ttl: boolean) => `CREATE TABLE IF NOT EXISTS tyk_uptime_analytics (
  id String, url String, requesttime Int64, responsecode UInt16, tcperror UInt8, servererror UInt8,
  day UInt8, month UInt8, year UInt16, hour UInt8, minute UInt8, timestamp DateTime('UTC'),
  expire_at DateTime('UTC'), apiid String, orgid String
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (orgid, apiid, url, timestamp, id)${ttl ? "\nTTL expire_at" : ""}`;

export function clickHouseMigrations(ttl: boolean): Migration[] {
  return [
    { version: 1, name: "tyk_analytics and hourly views", statements: [tableSql(ttl), hourlyApiView, hourlyKeyView] },
    { version: 2, name: "tyk_uptime_analytics", statements: [uptimeTableSql(ttl)] },
  ];
}

/** `TTL` on MergeTree tables arrived in ClickHouse 19.6. */
export function supportsTtl(version: string): boolean {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return major > 19 || (major === 19 && minor >= 6);
}
