import { analyticsRecordSchema, type AnalyticsRecord } from "../../src/contract/analytics-record";
import { uptimeRecordSchema, type UptimeRecord } from "../../src/contract/uptime-record";
import { formatIssues } from "../../src/lib/validation";

/** A valid queue message: a request record or an uptime check result. */
export type PumpRecord = { kind: "request"; record: AnalyticsRecord } | { kind: "uptime"; record: UptimeRecord };

export type ParsedMessage = { ok: true; value: PumpRecord } | { ok: false; kind: string; error: string };

/**
 * Validates a message body against the schema its `kind` names: request
 * records carry no `kind`, uptime results carry `kind: "uptime"`. Any other
 * `kind` is invalid rather than read as a request record: it is a record type
 * this pump does not know, and the dead-letter queue keeps it for a pump that does.
 */
export function parseMessage(body: unknown): ParsedMessage {
  const kind = typeof body === "object" && body !== null && "kind" in body ? body.kind : undefined;
  if (kind === undefined) {
    const parsed = analyticsRecordSchema.safeParse(body);
    return parsed.success ? { ok: true, value: { kind: "request", record: parsed.data } } : { ok: false, kind: "request", error: formatIssues(parsed.error) };
  }
  if (kind === "uptime") {
    const parsed = uptimeRecordSchema.safeParse(body);
    return parsed.success ? { ok: true, value: { kind: "uptime", record: parsed.data } } : { ok: false, kind: "uptime", error: formatIssues(parsed.error) };
  }
  return { ok: false, kind: "unknown", error: 'kind: must be absent (a request record) or "uptime"' };
}
