import type { AnalyticsRecord } from "../../../src/contract/analytics-record";
import type { UptimeRecord } from "../../../src/contract/uptime-record";
import { sqlRow } from "./rows";
import { graphAndMcpZeroValues } from "./tyk-pump-tables";
import type { Migration } from "./sink";
import { uptimeSqlRow } from "./uptime-rows";

/*
 * ClickHouse's `tyk_analytics` has the PostgreSQL table's column names
 * (tyk-pump's), with ClickHouse's types (DateTime, UInt8 booleans, tags as
 * Array(String)). tyk-pump has no ClickHouse pump and so no aggregate table
 * here: the hourly views aggregate the raw rows.
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

/** A `tyk_analytics` row with PostgreSQL's (tyk-pump's) column names and ClickHouse's types: DateTime text, UInt8 booleans, tags as an array. */
export function clickHouseRow(record: AnalyticsRecord) {
  const { network, latency, countrycode, citygeonameid, citynames, latitude, longitude, timezone, expire_at, ...row } = sqlRow(record);
  return {
    ...row,
    timestamp: dateTime(record.timestamp),
    geo_country_iso_code: countrycode,
    geo_city_geoname_id: citygeonameid,
    geo_city_names: JSON.stringify(citynames),
    geo_location_latitude: latitude,
    geo_location_longitude: longitude,
    geo_location_time_zone: timezone,
    trackpath: row.trackpath ? 1 : 0,
    expireAt: dateTime(expire_at),
    network_open_connections: network.open_connections,
    network_closed_connections: network.closed_connections,
    network_bytes_in: network.bytes_in,
    network_bytes_out: network.bytes_out,
    latency_total: latency.total,
    latency_upstream: latency.upstream,
    latency_gateway: latency.gateway,
    ...graphAndMcpZeroValues,
    graphql_stats_has_errors: 0,
    graphql_stats_is_graph_ql: 0,
    mcp_stats_is_mcp: 0,
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

/** Version 1's layout; version 3 copies it into the same columns under tyk-pump's names. */
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

/** tyk-pump's column names and columns (as in PostgreSQL), version 1's first, in its order and types. */
const tykPumpTableSql = (ttl: boolean) => `CREATE TABLE IF NOT EXISTS portcullis_tyk_analytics_next (
  id String, method String, host String, path String, rawpath String, contentlength Int64, useragent String,
  day UInt8, month UInt8, year UInt16, hour UInt8, responsecode UInt16, apikey String, timestamp DateTime('UTC'),
  apiversion String, api_name String, apiid String, orgid String, oauthid String, requesttime Int64,
  rawrequest String, rawresponse String, ipaddress String, geo_country_iso_code String, geo_city_geoname_id UInt32,
  geo_city_names String, geo_location_latitude Float64, geo_location_longitude Float64, geo_location_time_zone String,
  network_open_connections Int64, network_closed_connections Int64, network_bytes_in Int64, network_bytes_out Int64,
  latency_total Int64, latency_upstream Int64, latency_gateway Int64, tags Array(String), alias String,
  trackpath UInt8, expireAt DateTime('UTC'), originalpath String, listenpath String,
  graphql_stats_variables String, graphql_stats_root_fields String, graphql_stats_types String,
  graphql_stats_errors String, graphql_stats_operation_type Int64, graphql_stats_has_errors UInt8,
  graphql_stats_is_graph_ql UInt8, mcp_stats_is_mcp UInt8, mcp_stats_jsonrpc_method String,
  mcp_stats_primitive_type String, mcp_stats_primitive_name String
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (orgid, apiid, timestamp, id)${ttl ? "\nTTL expireAt" : ""}`;

/** Version 1's columns in its order, under their new names: the copy fills these and leaves the rest to their defaults. */
// biome-ignore format: a packed list reads better than one column per line
const copiedColumns = [
  "id", "method", "host", "path", "rawpath", "contentlength", "useragent", "day", "month", "year", "hour", "responsecode",
  "apikey", "timestamp", "apiversion", "api_name", "apiid", "orgid", "oauthid", "requesttime", "rawrequest", "rawresponse",
  "ipaddress", "geo_country_iso_code", "geo_city_geoname_id", "geo_city_names", "geo_location_latitude",
  "geo_location_longitude", "geo_location_time_zone", "network_open_connections", "network_closed_connections",
  "network_bytes_in", "network_bytes_out", "latency_total", "latency_upstream", "latency_gateway", "tags", "alias",
  "trackpath", "expireAt", "originalpath", "listenpath",
];

/**
 * Version 3: PostgreSQL's names. ClickHouse 18.16 cannot rename a column, so
 * the rows are copied into a table with the new names, which then takes the
 * old one's name; the old table stays as `portcullis_tyk_analytics_v1` (drop it
 * once checked). The hourly views name columns both layouts share. Raw uptime
 * checks take PostgreSQL's name for them too, `portcullis_uptime_checks`
 * (`tyk_uptime_analytics` is tyk-pump's uptime aggregate there).
 */
const tykPumpNames = (ttl: boolean) => [
  tykPumpTableSql(ttl),
  `INSERT INTO portcullis_tyk_analytics_next (${copiedColumns.join(", ")}) SELECT * FROM tyk_analytics`,
  "RENAME TABLE tyk_analytics TO portcullis_tyk_analytics_v1, portcullis_tyk_analytics_next TO tyk_analytics, tyk_uptime_analytics TO portcullis_uptime_checks",
];

export function clickHouseMigrations(ttl: boolean): Migration[] {
  return [
    { version: 1, name: "tyk_analytics and hourly views", statements: [tableSql(ttl), hourlyApiView, hourlyKeyView] },
    { version: 2, name: "tyk_uptime_analytics", statements: [uptimeTableSql(ttl)] },
    { version: 3, name: "tyk-pump's column names; raw uptime checks in portcullis_uptime_checks", statements: tykPumpNames(ttl) },
  ];
}

/** `TTL` on MergeTree tables arrived in ClickHouse 19.6. */
export function supportsTtl(version: string): boolean {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return major > 19 || (major === 19 && minor >= 6);
}
