import type { UptimeRecord } from "../../../src/contract/uptime-record";

/**
 * A valid uptime result: `index` varies the id, URL and outcome so every
 * column has something to check (every 5th a TCP error with response code 0,
 * every 7th a 503).
 */
export function sampleUptimeRecord(index: number, overrides: Partial<UptimeRecord> = {}): UptimeRecord {
  const at = new Date(overrides.timestamp ?? Date.now() - (index % 60) * 1000);
  const tcpError = index % 5 === 0;
  const code = tcpError ? 0 : index % 7 === 0 ? 503 : 200;
  return {
    kind: "uptime",
    id: crypto.randomUUID(),
    url: `http://upstream-${index % 2}.test/health`,
    request_time: 3 + (index % 40),
    response_code: code,
    tcp_error: tcpError,
    server_error: code !== 200 && !tcpError,
    day: at.getUTCDate(),
    month: at.getUTCMonth() + 1,
    year: at.getUTCFullYear(),
    hour: at.getUTCHours(),
    minute: at.getUTCMinutes(),
    timestamp: at.toISOString(),
    expireAt: new Date(at.getTime() + 86_400_000).toISOString(),
    api_id: `api-${index % 3}`,
    org_id: "acme",
    ...overrides,
  };
}
