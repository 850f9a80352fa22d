import { postgresQuery } from "./stores";

/*
 * The PostgreSQL schema tyk-pump's SQL pumps create, written out from its
 * source (analytics.AnalyticsRecord, SQLAnalyticsRecordAggregate and
 * UptimeReportAggregateSQL through gorm with AutoEmbedd and UseJSONTags:
 * JSON tag or `column:` tag names, embedded structs prefixed with their JSON
 * name, int/int64/uint as bigint, float64 as decimal, time.Time as
 * timestamptz, maps and slices as JSON text), as information_schema names the types.
 */

const bigint = "bigint";
export const text = "text";
const numeric = "numeric";
const timestamptz = "timestamp with time zone";

// biome-ignore format: one Go field per entry
export const tykAnalytics: Record<string, string> = {
  method: text, host: text, path: text, rawpath: text, contentlength: bigint, useragent: text, day: bigint, month: bigint,
  year: bigint, hour: bigint, responsecode: bigint, apikey: text, timestamp: timestamptz, apiversion: text, api_name: text,
  apiid: text, orgid: text, oauthid: text, requesttime: bigint, rawrequest: text, rawresponse: text, ipaddress: text,
  geo_country_iso_code: text, geo_city_geoname_id: bigint, geo_city_names: text, geo_location_latitude: numeric,
  geo_location_longitude: numeric, geo_location_time_zone: text, network_open_connections: bigint,
  network_closed_connections: bigint, network_bytes_in: bigint, network_bytes_out: bigint, latency_total: bigint,
  latency_upstream: bigint, latency_gateway: bigint, tags: text, alias: text, trackpath: "boolean", expireAt: timestamptz,
  originalpath: text, listenpath: text,
  // GraphQLStats and MCPStats: `gorm:"-:all"`, yet embedded by the fork's AutoEmbedd (field names without JSON tags snake-cased).
  graphql_stats_variables: text, graphql_stats_root_fields: text, graphql_stats_types: text, graphql_stats_errors: text,
  graphql_stats_operation_type: bigint, graphql_stats_has_errors: "boolean", graphql_stats_is_graph_ql: "boolean",
  mcp_stats_is_mcp: "boolean", mcp_stats_jsonrpc_method: text, mcp_stats_primitive_type: text, mcp_stats_primitive_name: text,
};

// biome-ignore format: one Go field per entry
export const tykAggregate: Record<string, string> = {
  id: text, counter_hits: bigint, counter_success: bigint, counter_error: bigint, counter_request_time: numeric,
  counter_total_request_time: numeric, counter_identifier: text, counter_human_identifier: text, counter_last_time: timestamptz,
  counter_open_connections: bigint, counter_closed_connections: bigint, counter_bytes_in: bigint, counter_bytes_out: bigint,
  counter_max_upstream_latency: bigint, counter_min_upstream_latency: bigint, counter_total_upstream_latency: bigint,
  counter_upstream_latency: numeric, counter_max_latency: bigint, counter_min_latency: bigint, counter_total_latency: bigint,
  counter_latency: numeric, counter_error_map: text, counter_error_list: text, timestamp: bigint, org_id: text, dimension: text,
  dimension_value: text, code_1x: bigint, code_200: bigint, code_201: bigint, code_2x: bigint, code_301: bigint, code_302: bigint,
  code_303: bigint, code_304: bigint, code_3x: bigint, code_400: bigint, code_401: bigint, code_403: bigint, code_404: bigint,
  code_429: bigint, code_4x: bigint, code_500: bigint, code_501: bigint, code_502: bigint, code_503: bigint, code_504: bigint,
  code_5x: bigint,
};

export async function columnsOf(table: string, connectionString?: string): Promise<Record<string, string>> {
  const rows = await postgresQuery<{ column_name: string; data_type: string }>(
    "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
    [table],
    connectionString,
  );
  return Object.fromEntries(rows.map((row) => [row.column_name, row.data_type]));
}
