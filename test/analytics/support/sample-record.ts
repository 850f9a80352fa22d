import { emptyGeo, type AnalyticsRecord } from "../../../src/contract/analytics-record";

/**
 * A valid analytics record for tests that exercise transport and storage,
 * not the gateway: `index` varies the id, API, key, status and latency so
 * aggregates have something to add up.
 */
export function sampleRecord(index: number, overrides: Partial<AnalyticsRecord> = {}): AnalyticsRecord {
  const at = new Date(overrides.timestamp ?? Date.now() - (index % 60) * 1000);
  const apiId = `api-${index % 3}`;
  const status = index % 10 === 0 ? 500 : index % 7 === 0 ? 404 : 200;
  const total = 5 + (index % 50);
  return {
    id: crypto.randomUUID(),
    method: index % 2 === 0 ? "GET" : "POST",
    host: "upstream.test",
    path: `/items/${index % 5}`,
    raw_path: `/items/${index % 5}`,
    content_length: index % 100,
    user_agent: "sample/1.0",
    day: at.getUTCDate(),
    month: at.getUTCMonth() + 1,
    year: at.getUTCFullYear(),
    hour: at.getUTCHours(),
    response_code: status,
    api_key: `key-${index % 4}`,
    timestamp: at.toISOString(),
    api_version: "Non Versioned",
    api_name: `API ${index % 3}`,
    api_id: apiId,
    org_id: "acme",
    oauth_id: "",
    request_time: total,
    raw_request: "",
    raw_response: "",
    ip_address: "198.51.100.1",
    geo: { ...emptyGeo(), country: { iso_code: "NL" } },
    network: { open_connections: 0, closed_connections: 0, bytes_in: index % 100, bytes_out: 10 },
    latency: { total, upstream: total - 2, gateway: 2 },
    tags: [`api-${apiId}`, "org-acme"],
    alias: "",
    track_path: false,
    expireAt: new Date(at.getTime() + 86_400_000).toISOString(),
    original_path: `/listen/items/${index % 5}`,
    listen_path: "/listen/",
    ...overrides,
  };
}
