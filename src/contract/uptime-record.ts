import * as z from "zod";

/*
 * One uptime check result, with Tyk's JSON field names (tyk-pump
 * `UptimeReportData`), plus `kind` and `id`. Uptime records travel on the
 * analytics queue beside request records: `kind: "uptime"` tells them apart
 * (request records carry no `kind`), and `id` lets every sink write a record
 * at most once, as for request records.
 */

const count = z.number().int().nonnegative();

export const uptimeRecordSchema = z.object({
  kind: z.literal("uptime"),
  id: z.string().min(1).max(64),
  url: z.string().min(1),
  request_time: count,
  response_code: z.number().int().min(0).max(599),
  tcp_error: z.boolean(),
  server_error: z.boolean(),
  day: z.number().int().min(1).max(31),
  month: z.number().int().min(1).max(12),
  year: z.number().int().min(1970).max(9999),
  hour: z.number().int().min(0).max(23),
  minute: z.number().int().min(0).max(59),
  timestamp: z.iso.datetime({ offset: true }),
  expireAt: z.iso.datetime({ offset: true }),
  api_id: z.string().min(1),
  org_id: z.string(),
});

export type UptimeRecord = z.infer<typeof uptimeRecordSchema>;
