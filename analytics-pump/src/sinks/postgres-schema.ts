import type { Migration } from "./sink";

/*
 * tyk-pump's `tyk_analytics` layout (gorm's column names) with `id` as the
 * primary key, and hourly aggregates per API and per key. Timestamps are
 * timestamptz; aggregate hours are UTC.
 */
export const postgresMigrations: Migration[] = [
  {
    version: 1,
    name: "tyk_analytics and hourly aggregates",
    statements: [
      `CREATE TABLE tyk_analytics (
        id text PRIMARY KEY, method text NOT NULL, host text NOT NULL, path text NOT NULL, rawpath text NOT NULL,
        contentlength bigint NOT NULL, useragent text NOT NULL, day smallint NOT NULL, month smallint NOT NULL,
        year smallint NOT NULL, hour smallint NOT NULL, responsecode smallint NOT NULL, apikey text NOT NULL,
        "timestamp" timestamptz NOT NULL, apiversion text NOT NULL, api_name text NOT NULL, apiid text NOT NULL,
        orgid text NOT NULL, oauthid text NOT NULL, requesttime bigint NOT NULL, rawrequest text NOT NULL,
        rawresponse text NOT NULL, ipaddress text NOT NULL, countrycode text NOT NULL, citygeonameid bigint NOT NULL,
        citynames jsonb NOT NULL, latitude double precision NOT NULL, longitude double precision NOT NULL,
        timezone text NOT NULL, network jsonb NOT NULL, latency jsonb NOT NULL, tags jsonb NOT NULL, alias text NOT NULL,
        trackpath boolean NOT NULL, expire_at timestamptz NOT NULL, originalpath text NOT NULL, listenpath text NOT NULL
      )`,
      `CREATE INDEX tyk_analytics_timestamp ON tyk_analytics ("timestamp")`,
      `CREATE INDEX tyk_analytics_api ON tyk_analytics (apiid, "timestamp")`,
      `CREATE INDEX tyk_analytics_key ON tyk_analytics (apikey)`,
      `CREATE INDEX tyk_analytics_org ON tyk_analytics (orgid)`,
      `CREATE INDEX tyk_analytics_responsecode ON tyk_analytics (responsecode)`,
      `CREATE INDEX tyk_analytics_oauth ON tyk_analytics (oauthid)`,
      `CREATE INDEX tyk_analytics_expire_at ON tyk_analytics (expire_at)`,
      `CREATE TABLE tyk_analytics_hourly_api (
        hour timestamptz NOT NULL, orgid text NOT NULL, apiid text NOT NULL, hits bigint NOT NULL, success bigint NOT NULL,
        errors bigint NOT NULL, total_requesttime bigint NOT NULL, total_upstream bigint NOT NULL,
        max_requesttime bigint NOT NULL, PRIMARY KEY (hour, orgid, apiid)
      )`,
      `CREATE TABLE tyk_analytics_hourly_key (
        hour timestamptz NOT NULL, orgid text NOT NULL, apiid text NOT NULL, apikey text NOT NULL, hits bigint NOT NULL,
        success bigint NOT NULL, errors bigint NOT NULL, total_requesttime bigint NOT NULL,
        PRIMARY KEY (hour, orgid, apiid, apikey)
      )`,
    ],
  },
  {
    version: 2,
    name: "tyk_uptime_analytics",
    statements: [
      `CREATE TABLE tyk_uptime_analytics (
        id text PRIMARY KEY, url text NOT NULL, requesttime bigint NOT NULL, responsecode smallint NOT NULL,
        tcperror boolean NOT NULL, servererror boolean NOT NULL, day smallint NOT NULL, month smallint NOT NULL,
        year smallint NOT NULL, hour smallint NOT NULL, minute smallint NOT NULL, "timestamp" timestamptz NOT NULL,
        expire_at timestamptz NOT NULL, apiid text NOT NULL, orgid text NOT NULL
      )`,
      `CREATE INDEX tyk_uptime_analytics_timestamp ON tyk_uptime_analytics ("timestamp")`,
      `CREATE INDEX tyk_uptime_analytics_api ON tyk_uptime_analytics (apiid, "timestamp")`,
      `CREATE INDEX tyk_uptime_analytics_url ON tyk_uptime_analytics (url, "timestamp")`,
      `CREATE INDEX tyk_uptime_analytics_org ON tyk_uptime_analytics (orgid)`,
      `CREATE INDEX tyk_uptime_analytics_expire_at ON tyk_uptime_analytics (expire_at)`,
    ],
  },
];

/** Uptime results have no aggregates: one statement that skips ids already stored. */
export const insertUptimeSql = `INSERT INTO tyk_uptime_analytics
  SELECT * FROM json_populate_recordset(NULL::tyk_uptime_analytics, $1::text::json)
  ON CONFLICT (id) DO NOTHING`;

const hour = `date_trunc('hour', "timestamp" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`;

/**
 * One statement per batch: the rows arrive as one JSON parameter, the raw
 * insert skips ids already stored, and the aggregates add up only the rows
 * that insert returned, so a redelivered batch leaves every table unchanged.
 * Aggregate rows are upserted in key order, so concurrent batches lock them
 * in the same order and cannot deadlock.
 */
export const insertBatchSql = `
WITH inserted AS (
  INSERT INTO tyk_analytics
  SELECT * FROM json_populate_recordset(NULL::tyk_analytics, $1::text::json)
  ON CONFLICT (id) DO NOTHING
  RETURNING "timestamp", orgid, apiid, apikey, responsecode, requesttime, (latency->>'upstream')::bigint AS upstream
), per_api AS (
  INSERT INTO tyk_analytics_hourly_api AS total
  SELECT ${hour} AS hour, orgid, apiid, count(*), count(*) FILTER (WHERE responsecode < 400),
    count(*) FILTER (WHERE responsecode >= 400), sum(requesttime), sum(upstream), max(requesttime)
  FROM inserted GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (hour, orgid, apiid) DO UPDATE SET hits = total.hits + excluded.hits,
    success = total.success + excluded.success, errors = total.errors + excluded.errors,
    total_requesttime = total.total_requesttime + excluded.total_requesttime,
    total_upstream = total.total_upstream + excluded.total_upstream,
    max_requesttime = greatest(total.max_requesttime, excluded.max_requesttime)
  RETURNING 1
)
INSERT INTO tyk_analytics_hourly_key AS total
SELECT ${hour} AS hour, orgid, apiid, apikey, count(*), count(*) FILTER (WHERE responsecode < 400),
  count(*) FILTER (WHERE responsecode >= 400), sum(requesttime)
FROM inserted GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
ON CONFLICT (hour, orgid, apiid, apikey) DO UPDATE SET hits = total.hits + excluded.hits,
  success = total.success + excluded.success, errors = total.errors + excluded.errors,
  total_requesttime = total.total_requesttime + excluded.total_requesttime`;
