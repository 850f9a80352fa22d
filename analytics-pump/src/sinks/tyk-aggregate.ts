import type { AnalyticsRecord } from "../../../src/contract/analytics-record";
import type { UptimeRecord } from "../../../src/contract/uptime-record";
import { statusCodeColumns } from "./tyk-pump-tables";

/*
 * tyk-pump's aggregation (analytics.AggregateData, AggregateUptimeData): per
 * organisation and hour, one counter per dimension value, written as one
 * `tyk_aggregated` row each. Its rules, kept here on purpose:
 * - success counts 2xx only; errors are >= 400 (so 1xx/3xx are neither);
 * - a dimension counter's `last_time` is the time of its first record, the
 *   total's of its last; minimum latencies ignore error responses after the first;
 * - `code_*` holds the error codes of the counter (2xx never, for requests);
 * - records without an org id are not aggregated.
 * One deliberate difference: tyk-pump stamps a whole purge batch with the hour
 * of its first record; here each record counts in its own hour.
 */

interface Counter {
  hits: number;
  success: number;
  error: number;
  totalRequestTime: number;
  identifier: string;
  humanIdentifier: string;
  lastTime: string;
  maxUpstream: number;
  minUpstream: number;
  totalUpstream: number;
  maxLatency: number;
  minLatency: number;
  totalLatency: number;
  codes: Map<string, number>;
}

interface Bucket {
  orgId: string;
  /** Unix seconds of the hour. */
  timestamp: number;
  dimensions: Map<string, Counter>;
}

const hourOf = (instant: string) => Math.floor(Date.parse(instant) / 3_600_000) * 3_600;

/** Go's hex.EncodeToString of the UTF-8 bytes. */
const hex = (text: string) => Array.from(new TextEncoder().encode(text), (byte) => byte.toString(16).padStart(2, "0")).join("");
/** tyk-pump's doHash: base64 without padding. */
const unpaddedBase64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text))).replace(/=+$/, "");

function add(into: Counter, one: Counter): void {
  into.hits += one.hits;
  into.success += one.success;
  into.error += one.error;
  for (const [code, count] of one.codes) into.codes.set(code, (into.codes.get(code) ?? 0) + count);
  into.totalRequestTime += one.totalRequestTime;
  into.maxLatency = Math.max(into.maxLatency, one.maxLatency);
  into.maxUpstream = Math.max(into.maxUpstream, one.maxUpstream);
  if (one.error === 0) {
    into.minLatency = Math.min(into.minLatency, one.minLatency);
    into.minUpstream = Math.min(into.minUpstream, one.minUpstream);
  }
  into.totalLatency += one.totalLatency;
  into.totalUpstream += one.totalUpstream;
}

class Buckets {
  private readonly buckets = new Map<string, Bucket>();

  bucket(orgId: string, instant: string): Bucket {
    const timestamp = hourOf(instant);
    const key = `${orgId}\u0000${timestamp}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { orgId, timestamp, dimensions: new Map() };
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Adds the record's counter under one dimension value, or starts it there. */
  count(bucket: Bucket, dimension: string, value: string, one: Counter, identifier: string, human: string): void {
    const key = `${dimension}\u0000${value}`;
    const counter = bucket.dimensions.get(key);
    if (!counter) {
      bucket.dimensions.set(key, { ...one, codes: new Map(one.codes), identifier, humanIdentifier: human });
      return;
    }
    add(counter, one);
    // The latest record names the value (an alias or API name may change within the hour).
    counter.identifier = identifier;
    counter.humanIdentifier = human;
  }

  rows(): AggregateRow[] {
    return [...this.buckets.values()].flatMap((bucket) =>
      [...bucket.dimensions].map(([key, counter]) => {
        const [dimension = "", value = ""] = key.split("\u0000");
        return aggregateRow(bucket, dimension, value, counter);
      }),
    );
  }
}

function recordCounter(record: AnalyticsRecord): Counter {
  const code = record.response_code;
  return {
    hits: 1,
    success: code >= 200 && code < 300 ? 1 : 0,
    error: code >= 400 ? 1 : 0,
    totalRequestTime: record.request_time,
    identifier: "",
    humanIdentifier: "",
    lastTime: record.timestamp,
    maxUpstream: record.latency.upstream,
    minUpstream: record.latency.upstream,
    totalUpstream: record.latency.upstream,
    maxLatency: record.latency.total,
    minLatency: record.latency.total,
    totalLatency: record.latency.total,
    codes: new Map(code >= 400 ? [[String(code), 1]] : []),
  };
}

/**
 * The total differs from the dimensions: its last_time follows the latest
 * record, and only a 2xx response may lower its minimum latencies.
 */
function addToTotal(bucket: Bucket, one: Counter, record: AnalyticsRecord): void {
  const total = bucket.dimensions.get(totalKey);
  if (!total) {
    bucket.dimensions.set(totalKey, { ...one, codes: new Map(one.codes) });
    return;
  }
  const { minLatency, minUpstream } = total;
  add(total, one);
  total.lastTime = record.timestamp;
  total.minLatency = one.success ? Math.min(minLatency, one.minLatency) : minLatency;
  total.minUpstream = one.success ? Math.min(minUpstream, one.minUpstream) : minUpstream;
}

const totalKey = "\u0000total";

const trimTag = (tag: string) => tag.trim().replaceAll(".", "");

/** tyk_aggregated rows for the records, one per org, hour, dimension and value. */
export function aggregateRequests(records: readonly AnalyticsRecord[]): AggregateRow[] {
  const buckets = new Buckets();
  for (const record of records) {
    if (record.org_id === "") continue;
    const bucket = buckets.bucket(record.org_id, record.timestamp);
    const one = recordCounter(record);
    const count = (dimension: string, value: string, identifier: string, human: string) => buckets.count(bucket, dimension, value, one, identifier, human);
    const endpoint = unpaddedBase64(`${record.api_id}:${record.path}`);
    count("apiid", record.api_id, record.api_id, record.api_name);
    if (one.error > 0) count("errors", String(record.response_code), String(record.response_code), "");
    if (record.api_version !== "") count("versions", unpaddedBase64(`${record.api_id}:${record.api_version}`), record.api_version, record.api_version);
    if (record.api_key !== "") {
      count("apikeys", record.api_key, record.api_key, record.alias);
      if (record.track_path) count("keyendpoints", `${record.api_key}.${endpoint}`, endpoint, endpoint);
    }
    if (record.oauth_id !== "") {
      count("oauthids", record.oauth_id, record.oauth_id, "");
      if (record.track_path) count("oauthendpoints", `${record.oauth_id}.${endpoint}`, endpoint, endpoint);
    }
    const country = record.geo.country.iso_code;
    if (country !== "") count("geo", country, country, country);
    for (const tag of record.tags) {
      const trimmed = trimTag(tag);
      // The gateway's own `key-<hash>` tags are never aggregated.
      if (trimmed !== "" && !tag.startsWith("key-")) count("tags", trimmed, trimmed, trimmed);
    }
    if (record.track_path) {
      count("endpoints", record.path.replaceAll(".", "\\u2e"), record.path, record.path);
      const apiEndpoint = hex(`${record.api_id}:${record.api_version}:${record.path}`);
      count("apiendpoints", apiEndpoint, apiEndpoint, record.path);
    }
    addToTotal(bucket, one, record);
  }
  return buckets.rows();
}

/** tyk_uptime_analytics rows: per org and hour, dimensions `url`, `errors` and the total; `code_*` counts 2xx and errors. */
export function aggregateUptime(records: readonly UptimeRecord[]): AggregateRow[] {
  const buckets = new Buckets();
  for (const record of records) {
    if (record.org_id === "") continue;
    const bucket = buckets.bucket(record.org_id, record.timestamp);
    const code = record.response_code;
    const success = code >= 200 && code < 300 ? 1 : 0;
    const error = code >= 400 ? 1 : 0;
    const one: Counter = {
      ...emptyCounter(),
      hits: 1,
      success,
      error,
      totalRequestTime: record.request_time,
      lastTime: record.timestamp,
      codes: new Map(success || error ? [[String(code), 1]] : []),
    };
    buckets.count(bucket, "url", record.url, one, record.url, "");
    if (error) buckets.count(bucket, "errors", String(code), one, String(code), "");
    // tyk-pump never sets the uptime total's last_time: Go's zero time.
    buckets.count(bucket, "", "total", { ...one, lastTime: goZeroTime }, "", "");
  }
  return buckets.rows();
}

const goZeroTime = "0001-01-01T00:00:00Z";

const emptyCounter = (): Counter => ({
  hits: 0,
  success: 0,
  error: 0,
  totalRequestTime: 0,
  identifier: "",
  humanIdentifier: "",
  lastTime: goZeroTime,
  maxUpstream: 0,
  minUpstream: 0,
  totalUpstream: 0,
  maxLatency: 0,
  minLatency: 0,
  totalLatency: 0,
  codes: new Map(),
});

export type AggregateRow = Record<string, string | number>;

/** analytics.Code.ProcessStatusCodes: a named code column gets its count, any other code adds to its class (`4x`). */
function statusCodes(codes: Map<string, number>): Record<string, number> {
  const columns: Record<string, number> = Object.fromEntries(statusCodeColumns.map((column) => [column, 0]));
  for (const [code, count] of codes) {
    const exact = `code_${code}`;
    const bucket = `code_${code[0]}x`;
    if (exact in columns) columns[exact] = count;
    else if (bucket in columns) columns[bucket] = (columns[bucket] ?? 0) + count;
  }
  return columns;
}

function aggregateRow(bucket: Bucket, dimension: string, value: string, counter: Counter): AggregateRow {
  const average = (total: number) => (counter.hits > 0 ? total / counter.hits : 0);
  return {
    id: hex(`${bucket.timestamp}${bucket.orgId}${dimension}${value}`),
    counter_hits: counter.hits,
    counter_success: counter.success,
    counter_error: counter.error,
    counter_request_time: average(counter.totalRequestTime),
    counter_total_request_time: counter.totalRequestTime,
    counter_identifier: counter.identifier,
    counter_human_identifier: counter.humanIdentifier,
    counter_last_time: counter.lastTime,
    counter_open_connections: 0,
    counter_closed_connections: 0,
    counter_bytes_in: 0,
    counter_bytes_out: 0,
    counter_max_upstream_latency: counter.maxUpstream,
    counter_min_upstream_latency: counter.minUpstream,
    counter_total_upstream_latency: counter.totalUpstream,
    counter_upstream_latency: average(counter.totalUpstream),
    counter_max_latency: counter.maxLatency,
    counter_min_latency: counter.minLatency,
    counter_total_latency: counter.totalLatency,
    counter_latency: average(counter.totalLatency),
    // tyk-pump clears both before writing; gorm stores a nil map and slice as `{}` and `[]`.
    counter_error_map: "{}",
    counter_error_list: "[]",
    timestamp: bucket.timestamp,
    org_id: bucket.orgId,
    dimension,
    dimension_value: value,
    ...statusCodes(counter.codes),
  };
}
