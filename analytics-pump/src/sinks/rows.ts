import type { AnalyticsRecord } from "../../../src/contract/analytics-record";

/*
 * A record as a row of the D1 `tyk_analytics` table (and the source of the
 * ClickHouse row): tyk-pump's column names for the plain fields (`recordColumns`,
 * which the PostgreSQL row in tyk-pump-tables.ts shares), `geo` as short leaf
 * names, `network`, `latency` and `tags` as JSON. `id` is Portcullis' record id.
 */
export interface SqlRow {
  id: string;
  method: string;
  host: string;
  path: string;
  rawpath: string;
  contentlength: number;
  useragent: string;
  day: number;
  month: number;
  year: number;
  hour: number;
  responsecode: number;
  apikey: string;
  timestamp: string;
  apiversion: string;
  api_name: string;
  apiid: string;
  orgid: string;
  oauthid: string;
  requesttime: number;
  rawrequest: string;
  rawresponse: string;
  ipaddress: string;
  countrycode: string;
  citygeonameid: number;
  citynames: Record<string, string>;
  latitude: number;
  longitude: number;
  timezone: string;
  network: AnalyticsRecord["network"];
  latency: AnalyticsRecord["latency"];
  tags: string[];
  alias: string;
  trackpath: boolean;
  expire_at: string;
  originalpath: string;
  listenpath: string;
}

/** UTC with milliseconds, so text timestamps (D1) sort and compare correctly. */
export const utc = (instant: string): string => new Date(instant).toISOString();

/** The plain fields every SQL table stores under the same names (tyk-pump's). */
export function recordColumns(record: AnalyticsRecord) {
  return {
    id: record.id,
    method: record.method,
    host: record.host,
    path: record.path,
    rawpath: record.raw_path,
    contentlength: record.content_length,
    useragent: record.user_agent,
    day: record.day,
    month: record.month,
    year: record.year,
    hour: record.hour,
    responsecode: record.response_code,
    apikey: record.api_key,
    apiversion: record.api_version,
    api_name: record.api_name,
    apiid: record.api_id,
    orgid: record.org_id,
    oauthid: record.oauth_id,
    requesttime: record.request_time,
    rawrequest: record.raw_request,
    rawresponse: record.raw_response,
    ipaddress: record.ip_address,
    alias: record.alias,
    trackpath: record.track_path,
    originalpath: record.original_path,
    listenpath: record.listen_path,
  };
}

export function sqlRow(record: AnalyticsRecord): SqlRow {
  return {
    ...recordColumns(record),
    timestamp: utc(record.timestamp),
    countrycode: record.geo.country.iso_code,
    citygeonameid: record.geo.city.geoname_id,
    citynames: record.geo.city.names,
    latitude: record.geo.location.latitude,
    longitude: record.geo.location.longitude,
    timezone: record.geo.location.time_zone,
    network: record.network,
    latency: record.latency,
    tags: record.tags,
    expire_at: utc(record.expireAt),
  };
}

/** The columns in table order; D1 and Postgres inserts list them in this order. */
// biome-ignore format: a packed list reads better than one column per line
export const sqlColumns = [
  "id", "method", "host", "path", "rawpath", "contentlength", "useragent", "day", "month", "year", "hour",
  "responsecode", "apikey", "timestamp", "apiversion", "api_name", "apiid", "orgid", "oauthid", "requesttime",
  "rawrequest", "rawresponse", "ipaddress", "countrycode", "citygeonameid", "citynames", "latitude", "longitude",
  "timezone", "network", "latency", "tags", "alias", "trackpath", "expire_at", "originalpath", "listenpath",
] as const satisfies readonly (keyof SqlRow)[];
