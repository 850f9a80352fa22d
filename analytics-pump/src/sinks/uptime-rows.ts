import type { UptimeRecord } from "../../../src/contract/uptime-record";
import { utc } from "./rows";

/*
 * An uptime result as a row of `tyk_uptime_analytics`. Column names follow
 * `tyk_analytics`: Tyk's Go field names lowercased (as tyk-pump's Mongo uptime
 * documents name them), `expire_at` for `expireAt`. `kind` is implied by the table.
 */
export interface UptimeSqlRow {
  id: string;
  url: string;
  requesttime: number;
  responsecode: number;
  tcperror: boolean;
  servererror: boolean;
  day: number;
  month: number;
  year: number;
  hour: number;
  minute: number;
  timestamp: string;
  expire_at: string;
  apiid: string;
  orgid: string;
}

export function uptimeSqlRow(record: UptimeRecord): UptimeSqlRow {
  return {
    id: record.id,
    url: record.url,
    requesttime: record.request_time,
    responsecode: record.response_code,
    tcperror: record.tcp_error,
    servererror: record.server_error,
    day: record.day,
    month: record.month,
    year: record.year,
    hour: record.hour,
    minute: record.minute,
    timestamp: utc(record.timestamp),
    expire_at: utc(record.expireAt),
    apiid: record.api_id,
    orgid: record.org_id,
  };
}

/** The columns in table order. */
// biome-ignore format: a packed list reads better than one column per line
export const uptimeSqlColumns = [
  "id", "url", "requesttime", "responsecode", "tcperror", "servererror", "day", "month", "year", "hour", "minute",
  "timestamp", "expire_at", "apiid", "orgid",
] as const satisfies readonly (keyof UptimeSqlRow)[];
