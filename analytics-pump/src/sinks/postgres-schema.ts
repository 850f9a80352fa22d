import type { Migration } from "./sink";
import { aggregateTableSql, analyticsColumns, analyticsTableSql, graphAndMcpZeroValues, uptimeChecksTableSql } from "./tyk-pump-tables";

/*
 * Versions 1 and 2 are the first Portcullis layout (geo, network and latency
 * folded differently, hourly aggregate tables of its own, raw uptime checks in
 * `tyk_uptime_analytics`). Version 3 converts it, in place and without losing
 * a row, to the tables tyk-pump creates (see tyk-pump-tables.ts).
 */
const firstLayout: Migration[] = [
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

const renamedColumns = [
  ["countrycode", "geo_country_iso_code"],
  ["citygeonameid", "geo_city_geoname_id"],
  ["citynames", "geo_city_names"],
  ["latitude", "geo_location_latitude"],
  ["longitude", "geo_location_longitude"],
  ["timezone", "geo_location_time_zone"],
  ["expire_at", '"expireAt"'],
] as const;

const renamedIndexes = [
  ["tyk_analytics_timestamp", "tyk_analytics_idx_timestamp"],
  ["tyk_analytics_key", "tyk_analytics_idx_apikey"],
  ["tyk_analytics_org", "tyk_analytics_idx_orgid"],
  ["tyk_analytics_responsecode", "tyk_analytics_idx_responsecode"],
  ["tyk_analytics_oauth", "tyk_analytics_idx_oauthid"],
  ["tyk_analytics_expire_at", "tyk_analytics_expireat"],
] as const;

/** network and latency were jsonb objects; tyk-pump has one bigint column per field. */
const unfolded = analyticsColumns.filter(([name]) => name.startsWith("network_") || name.startsWith("latency_")).map(([name]) => name);
/** Columns the previous layout lacked entirely, with the zero value old rows get. */
const added = analyticsColumns
  .filter(([name]) => name in graphAndMcpZeroValues)
  .map(([name, type]) => {
    const zero = graphAndMcpZeroValues[name as keyof typeof graphAndMcpZeroValues];
    return [name, type, typeof zero === "string" ? `'${zero}'` : String(zero)] as const;
  });
const jsonPath = (column: string) => {
  const [object, ...field] = column.split("_");
  return `(${object}->>'${field.join("_")}')::bigint`;
};

/**
 * Existing rows are converted where they are: renamed columns, widened types
 * (gorm's bigint, numeric, JSON as text), network and latency unfolded. The
 * old hourly tables stay as they were (no longer written; drop them when no
 * report reads them). Raw uptime checks move to `portcullis_uptime_checks`,
 * and `tyk_uptime_analytics` becomes tyk-pump's uptime aggregate table.
 */
const tykPumpTables: Migration = {
  version: 3,
  name: "tyk-pump's tyk_analytics, tyk_aggregated and tyk_uptime_analytics",
  statements: [
    ...renamedColumns.map(([from, to]) => `ALTER TABLE tyk_analytics RENAME COLUMN ${from} TO ${to}`),
    `ALTER TABLE tyk_analytics ${[
      ...["day", "month", "year", "hour", "responsecode"].map((column) => `ALTER COLUMN ${column} TYPE bigint`),
      "ALTER COLUMN geo_city_names TYPE text USING geo_city_names::text",
      "ALTER COLUMN geo_location_latitude TYPE numeric",
      "ALTER COLUMN geo_location_longitude TYPE numeric",
      "ALTER COLUMN tags TYPE text USING tags::text",
      ...unfolded.map((column) => `ADD COLUMN ${column} bigint NOT NULL DEFAULT 0`),
      ...added.map(([column, type, zero]) => `ADD COLUMN ${column} ${type} NOT NULL DEFAULT ${zero}`),
    ].join(", ")}`,
    `UPDATE tyk_analytics SET ${unfolded.map((column) => `${column} = ${jsonPath(column)}`).join(", ")}`,
    `ALTER TABLE tyk_analytics ${[...[...unfolded, ...added.map(([column]) => column)].map((column) => `ALTER COLUMN ${column} DROP DEFAULT`), "DROP COLUMN network", "DROP COLUMN latency"].join(", ")}`,
    ...renamedIndexes.map(([from, to]) => `ALTER INDEX ${from} RENAME TO ${to}`),
    "DROP INDEX tyk_analytics_api",
    ...analyticsTableSql("tyk_analytics"),
    "ALTER TABLE tyk_uptime_analytics RENAME TO portcullis_uptime_checks",
    "ALTER TABLE portcullis_uptime_checks RENAME CONSTRAINT tyk_uptime_analytics_pkey TO portcullis_uptime_checks_pkey",
    ...["timestamp", "api", "url", "org", "expire_at"].map(
      (suffix) => `ALTER INDEX tyk_uptime_analytics_${suffix} RENAME TO portcullis_uptime_checks_${suffix}`,
    ),
    ...uptimeChecksTableSql("portcullis_uptime_checks"),
    ...aggregateTableSql("tyk_aggregated", "idx_dimension"),
    ...aggregateTableSql("tyk_uptime_analytics", "dimension"),
  ],
};

export const postgresMigrations: Migration[] = [...firstLayout, tykPumpTables];
