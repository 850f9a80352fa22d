import type { UptimeRecord } from "../contract/uptime-record";
import type { ProbeResult } from "./probe";

const hundredYearsMs = 100 * 365 * 24 * 3600 * 1000;

/** Tyk's code for a check that got no answer (host_checker_manager.go RecordUptimeAnalytics). */
const noAnswerCode = 521;

export interface RecordContext {
  apiId: string;
  orgId: string;
  /** `uptime_tests.config.expire_utime_after`; 0 keeps the record for 100 years. */
  expireAfterSeconds: number;
}

/** The uptime record of one check result, dated in UTC. */
export function uptimeRecord(result: ProbeResult, context: RecordContext, at: Date): UptimeRecord {
  const keepMs = context.expireAfterSeconds > 0 ? context.expireAfterSeconds * 1000 : hundredYearsMs;
  return {
    kind: "uptime",
    id: crypto.randomUUID(),
    url: result.check.url,
    request_time: Math.trunc(result.latencyMs),
    response_code: result.tcpError ? noAnswerCode : result.responseCode,
    tcp_error: result.tcpError,
    // Decided before a missing answer becomes 521, so a timeout is a TCP error only.
    server_error: result.responseCode > 200,
    day: at.getUTCDate(),
    month: at.getUTCMonth() + 1,
    year: at.getUTCFullYear(),
    hour: at.getUTCHours(),
    minute: at.getUTCMinutes(),
    timestamp: at.toISOString(),
    expireAt: new Date(at.getTime() + keepMs).toISOString(),
    api_id: context.apiId,
    org_id: context.orgId,
  };
}
