import type { AnalyticsRecord } from "../../../src/contract/analytics-record";
import type { UptimeRecord } from "../../../src/contract/uptime-record";
import { recordColumns } from "./rows";
import { uptimeSqlRow } from "./uptime-rows";

/*
 * The tables tyk-pump's SQL pumps create in PostgreSQL, column for column.
 * tyk-pump builds them with gorm (its fork, with `AutoEmbedd` and
 * `UseJSONTags`): a column is named by the field's `gorm:"column:..."` tag,
 * else by its JSON tag; nested structs are embedded with their JSON name and
 * an underscore as prefix (`geo_country_iso_code`, `latency_total`); maps and
 * slices are JSON text; Go `int`/`int64`/`uint` are bigint, `float64` decimal
 * (numeric), `time.Time` timestamptz, `bool` boolean, `string` text.
 *
 * Portcullis adds one column tyk-pump has not: `id`, the record id, primary
 * key of the raw table, which makes a redelivered record a no-op. Columns are
 * NOT NULL (tyk-pump's are nullable but never written as NULL).
 */

/**
 * GraphQLStats and MCPStats are tagged `gorm:"-:all"`, but tyk-pump's gorm
 * fork embeds struct fields (AutoEmbedd) and copies that tag to the embedded
 * fields only after deciding they are migrated, so its tables get these
 * columns (names from the Go field names where there is no JSON tag).
 * Portcullis has neither GraphQL nor MCP records: they hold Go's zero values.
 */
function graphAndMcpColumns() {
  // biome-ignore format: one line per Go field reads better
  return [
    ["graphql_stats_variables", "text"], ["graphql_stats_root_fields", "text"], ["graphql_stats_types", "text"],
    ["graphql_stats_errors", "text"], ["graphql_stats_operation_type", "bigint"], ["graphql_stats_has_errors", "boolean"],
    ["graphql_stats_is_graph_ql", "boolean"], ["mcp_stats_is_mcp", "boolean"], ["mcp_stats_jsonrpc_method", "text"],
    ["mcp_stats_primitive_type", "text"], ["mcp_stats_primitive_name", "text"],
  ] as const;
}

/** Their values for a REST record: empty strings, gorm's `[]`/`{}` for nil slices and maps, 0, false. */
export const graphAndMcpZeroValues = {
  graphql_stats_variables: "",
  graphql_stats_root_fields: "[]",
  graphql_stats_types: "{}",
  graphql_stats_errors: "[]",
  graphql_stats_operation_type: 0,
  graphql_stats_has_errors: false,
  graphql_stats_is_graph_ql: false,
  mcp_stats_is_mcp: false,
  mcp_stats_jsonrpc_method: "",
  mcp_stats_primitive_type: "",
  mcp_stats_primitive_name: "",
} as const;

/** `tyk_analytics` (analytics.AnalyticsRecord), in gorm's order. */
// biome-ignore format: one line per Go field reads better
export const analyticsColumns = [
  ["method", "text"], ["host", "text"], ["path", "text"], ["rawpath", "text"], ["contentlength", "bigint"],
  ["useragent", "text"], ["day", "bigint"], ["month", "bigint"], ["year", "bigint"], ["hour", "bigint"],
  ["responsecode", "bigint"], ["apikey", "text"], ["timestamp", "timestamptz"], ["apiversion", "text"],
  ["api_name", "text"], ["apiid", "text"], ["orgid", "text"], ["oauthid", "text"], ["requesttime", "bigint"],
  ["rawrequest", "text"], ["rawresponse", "text"], ["ipaddress", "text"],
  ["geo_country_iso_code", "text"], ["geo_city_geoname_id", "bigint"], ["geo_city_names", "text"],
  ["geo_location_latitude", "numeric"], ["geo_location_longitude", "numeric"], ["geo_location_time_zone", "text"],
  ["network_open_connections", "bigint"], ["network_closed_connections", "bigint"], ["network_bytes_in", "bigint"],
  ["network_bytes_out", "bigint"], ["latency_total", "bigint"], ["latency_upstream", "bigint"], ["latency_gateway", "bigint"],
  ["tags", "text"], ["alias", "text"], ["trackpath", "boolean"], ["expireAt", "timestamptz"], ["originalpath", "text"],
  ["listenpath", "text"],
  ...graphAndMcpColumns(),
] as const;

/** analytics.Counter embedded with prefix `counter_`. */
// biome-ignore format: one line per Go field reads better
export const counterColumns = [
  ["counter_hits", "bigint"], ["counter_success", "bigint"], ["counter_error", "bigint"],
  ["counter_request_time", "numeric"], ["counter_total_request_time", "numeric"], ["counter_identifier", "text"],
  ["counter_human_identifier", "text"], ["counter_last_time", "timestamptz"], ["counter_open_connections", "bigint"],
  ["counter_closed_connections", "bigint"], ["counter_bytes_in", "bigint"], ["counter_bytes_out", "bigint"],
  ["counter_max_upstream_latency", "bigint"], ["counter_min_upstream_latency", "bigint"],
  ["counter_total_upstream_latency", "bigint"], ["counter_upstream_latency", "numeric"], ["counter_max_latency", "bigint"],
  ["counter_min_latency", "bigint"], ["counter_total_latency", "bigint"], ["counter_latency", "numeric"],
  ["counter_error_map", "text"], ["counter_error_list", "text"],
] as const;

/** analytics.Code embedded with prefix `code_`: the status codes it names, and one bucket per class. */
export const statusCodeColumns = ["1x", "200", "201", "2x", "301", "302", "303", "304", "3x", "400", "401", "403", "404", "429", "4x"]
  .concat(["500", "501", "502", "503", "504", "5x"])
  .map((code) => `code_${code}`);

/** `tyk_aggregated` (SQLAnalyticsRecordAggregate) and `tyk_uptime_analytics` (UptimeReportAggregateSQL) share this layout. */
export const aggregateColumns: readonly (readonly [string, string])[] = [
  ["id", "text"],
  ...counterColumns,
  ["timestamp", "bigint"],
  ["org_id", "text"],
  ["dimension", "text"],
  ["dimension_value", "text"],
  ...statusCodeColumns.map((name) => [name, "bigint"] as const),
];

export const quote = (name: string) => `"${name}"`;
const columnList = (columns: readonly (readonly [string, string])[]) => columns.map(([name, type]) => `${quote(name)} ${type} NOT NULL`).join(", ");

/** tyk-pump's per-column indexes on the raw table, named `<table>_idx_<column>`. */
const rawIndexColumns = ["responsecode", "apikey", "timestamp", "apiid", "orgid", "oauthid"];

/** A raw table (`tyk_analytics` or a day's shard) with tyk-pump's indexes, plus Portcullis' id key and expiry index. */
export function analyticsTableSql(table: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, ${columnList(analyticsColumns)})`,
    ...rawIndexColumns.map((column) => `CREATE INDEX IF NOT EXISTS ${table}_idx_${column} ON ${table} (${quote(column)})`),
    `CREATE INDEX IF NOT EXISTS ${table}_expireat ON ${table} ("expireAt")`,
  ];
}

/** An aggregate table: tyk-pump's `<table>_idx_dimension` for `tyk_aggregated`, gorm's `dimension` index for uptime. */
export function aggregateTableSql(table: string, index: "idx_dimension" | "dimension"): string[] {
  const columns = aggregateColumns.map(([name, type]) => (name === "id" ? "id text PRIMARY KEY" : `${quote(name)} ${type} NOT NULL`)).join(", ");
  const indexSql =
    index === "idx_dimension"
      ? `CREATE INDEX IF NOT EXISTS ${table}_idx_dimension ON ${table} (dimension, "timestamp", org_id, dimension_value)`
      : `CREATE INDEX IF NOT EXISTS ${table === "tyk_uptime_analytics" ? "dimension" : `${table}_dimension`} ON ${table} ("timestamp", org_id, dimension, dimension_value)`;
  return [`CREATE TABLE IF NOT EXISTS ${table} (${columns})`, indexSql];
}

/** Raw uptime checks, which tyk-pump does not keep in SQL: Portcullis keeps them (with their id) to aggregate exactly once. */
export function uptimeChecksTableSql(table: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (
      id text PRIMARY KEY, url text NOT NULL, requesttime bigint NOT NULL, responsecode smallint NOT NULL,
      tcperror boolean NOT NULL, servererror boolean NOT NULL, day smallint NOT NULL, month smallint NOT NULL,
      year smallint NOT NULL, hour smallint NOT NULL, minute smallint NOT NULL, "timestamp" timestamptz NOT NULL,
      expire_at timestamptz NOT NULL, apiid text NOT NULL, orgid text NOT NULL
    )`,
    `CREATE INDEX IF NOT EXISTS ${table}_expire_at ON ${table} (expire_at)`,
  ];
}

/** A row for a JSON insert: the record id, then columns by name. */
export type TableRow = { id: string } & Record<string, unknown>;

/** A record as a `tyk_analytics` row: JSON text for the map and slice, Tyk's key names otherwise. */
export function tykAnalyticsRow(record: AnalyticsRecord): TableRow {
  return {
    ...recordColumns(record),
    timestamp: record.timestamp,
    geo_country_iso_code: record.geo.country.iso_code,
    geo_city_geoname_id: record.geo.city.geoname_id,
    geo_city_names: JSON.stringify(record.geo.city.names),
    geo_location_latitude: record.geo.location.latitude,
    geo_location_longitude: record.geo.location.longitude,
    geo_location_time_zone: record.geo.location.time_zone,
    network_open_connections: record.network.open_connections,
    network_closed_connections: record.network.closed_connections,
    network_bytes_in: record.network.bytes_in,
    network_bytes_out: record.network.bytes_out,
    latency_total: record.latency.total,
    latency_upstream: record.latency.upstream,
    latency_gateway: record.latency.gateway,
    tags: JSON.stringify(record.tags),
    expireAt: record.expireAt,
    ...graphAndMcpZeroValues,
  };
}

/** An uptime check as a row of the raw uptime table: the D1 row's columns. */
export function uptimeCheckRow(record: UptimeRecord): TableRow {
  return { ...uptimeSqlRow(record) };
}

/** `table_sharding`: one table per UTC day, `<base>_YYYYMMDD`. */
export const shardName = (base: string, instant: string) => `${base}_${new Date(instant).toISOString().slice(0, 10).replaceAll("-", "")}`;
