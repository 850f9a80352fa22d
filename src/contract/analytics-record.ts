import * as z from "zod";

/*
 * One analytics record, with Tyk's JSON field names (tyk-pump `AnalyticsRecord`),
 * plus `id`: Tyk's records have no identity, so a pump that retries a batch
 * writes it twice. Portcullis gives every record a UUID and every sink writes
 * it at most once. The gateway builds records of this type; the pump
 * validates every queue message against it.
 */

const count = z.number().int().nonnegative();
/** RFC 3339 with an offset, as Tyk serialises `time.Time`. */
const instant = z.iso.datetime({ offset: true });

export const geoSchema = z.object({
  country: z.object({ iso_code: z.string() }),
  city: z.object({ geoname_id: count, names: z.record(z.string(), z.string()) }),
  location: z.object({ latitude: z.number(), longitude: z.number(), time_zone: z.string() }),
});

export const networkSchema = z.object({
  open_connections: count,
  closed_connections: count,
  bytes_in: count,
  bytes_out: count,
});

export const latencySchema = z.object({
  total: count,
  upstream: count,
  gateway: count,
});

export const analyticsRecordSchema = z.object({
  id: z.string().min(1).max(64),
  method: z.string().min(1).max(32),
  host: z.string(),
  path: z.string().startsWith("/"),
  raw_path: z.string(),
  content_length: count,
  user_agent: z.string(),
  day: z.number().int().min(1).max(31),
  month: z.number().int().min(1).max(12),
  year: z.number().int().min(1970).max(9999),
  hour: z.number().int().min(0).max(23),
  response_code: z.number().int().min(100).max(599),
  api_key: z.string(),
  timestamp: instant,
  api_version: z.string(),
  api_name: z.string(),
  api_id: z.string().min(1),
  org_id: z.string(),
  oauth_id: z.string(),
  request_time: count,
  raw_request: z.string(),
  raw_response: z.string(),
  ip_address: z.string(),
  geo: geoSchema,
  network: networkSchema,
  latency: latencySchema,
  tags: z.array(z.string()),
  alias: z.string(),
  track_path: z.boolean(),
  expireAt: instant,
  original_path: z.string(),
  listen_path: z.string(),
});

export type AnalyticsRecord = z.output<typeof analyticsRecordSchema>;
export type Geo = z.output<typeof geoSchema>;

/** Tyk's `api_version` for an API without versions. */
export const nonVersioned = "Non Versioned";

export const emptyGeo = (): Geo => ({
  country: { iso_code: "" },
  city: { geoname_id: 0, names: {} },
  location: { latitude: 0, longitude: 0, time_zone: "" },
});
