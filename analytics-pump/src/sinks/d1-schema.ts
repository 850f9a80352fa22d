import type { Migration } from "./sink";

/*
 * D1 (SQLite) schema. Aggregates are kept by a trigger on the raw table: it
 * fires only for rows actually inserted, so a record skipped as a duplicate
 * is never counted twice. `errors` are responses with status >= 400.
 */

const hour = `strftime('%Y-%m-%dT%H:00:00Z', NEW."timestamp")`;
const isError = `(NEW.responsecode >= 400)`;

export const d1Migrations: Migration[] = [
  {
    version: 1,
    name: "tyk_analytics and hourly aggregates",
    statements: [
      `CREATE TABLE IF NOT EXISTS tyk_analytics (
        id TEXT PRIMARY KEY, method TEXT NOT NULL, host TEXT NOT NULL, path TEXT NOT NULL, rawpath TEXT NOT NULL,
        contentlength INTEGER NOT NULL, useragent TEXT NOT NULL, day INTEGER NOT NULL, month INTEGER NOT NULL,
        year INTEGER NOT NULL, hour INTEGER NOT NULL, responsecode INTEGER NOT NULL, apikey TEXT NOT NULL,
        "timestamp" TEXT NOT NULL, apiversion TEXT NOT NULL, api_name TEXT NOT NULL, apiid TEXT NOT NULL,
        orgid TEXT NOT NULL, oauthid TEXT NOT NULL, requesttime INTEGER NOT NULL, rawrequest TEXT NOT NULL,
        rawresponse TEXT NOT NULL, ipaddress TEXT NOT NULL, countrycode TEXT NOT NULL, citygeonameid INTEGER NOT NULL,
        citynames TEXT NOT NULL, latitude REAL NOT NULL, longitude REAL NOT NULL, timezone TEXT NOT NULL,
        network TEXT NOT NULL, latency TEXT NOT NULL, tags TEXT NOT NULL, alias TEXT NOT NULL, trackpath INTEGER NOT NULL,
        expire_at TEXT NOT NULL, originalpath TEXT NOT NULL, listenpath TEXT NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS tyk_analytics_timestamp ON tyk_analytics ("timestamp")`,
      `CREATE INDEX IF NOT EXISTS tyk_analytics_api ON tyk_analytics (apiid, "timestamp")`,
      `CREATE INDEX IF NOT EXISTS tyk_analytics_key ON tyk_analytics (apikey)`,
      `CREATE INDEX IF NOT EXISTS tyk_analytics_org ON tyk_analytics (orgid)`,
      `CREATE INDEX IF NOT EXISTS tyk_analytics_expire_at ON tyk_analytics (expire_at)`,
      `CREATE TABLE IF NOT EXISTS tyk_analytics_hourly_api (
        hour TEXT NOT NULL, orgid TEXT NOT NULL, apiid TEXT NOT NULL, hits INTEGER NOT NULL, success INTEGER NOT NULL,
        errors INTEGER NOT NULL, total_requesttime INTEGER NOT NULL, total_upstream INTEGER NOT NULL,
        max_requesttime INTEGER NOT NULL, PRIMARY KEY (hour, orgid, apiid)
      )`,
      `CREATE TABLE IF NOT EXISTS tyk_analytics_hourly_key (
        hour TEXT NOT NULL, orgid TEXT NOT NULL, apiid TEXT NOT NULL, apikey TEXT NOT NULL, hits INTEGER NOT NULL,
        success INTEGER NOT NULL, errors INTEGER NOT NULL, total_requesttime INTEGER NOT NULL,
        PRIMARY KEY (hour, orgid, apiid, apikey)
      )`,
      `CREATE TRIGGER IF NOT EXISTS tyk_analytics_aggregate AFTER INSERT ON tyk_analytics BEGIN
        INSERT INTO tyk_analytics_hourly_api VALUES (${hour}, NEW.orgid, NEW.apiid, 1, NOT ${isError}, ${isError},
          NEW.requesttime, json_extract(NEW.latency, '$.upstream'), NEW.requesttime)
        ON CONFLICT (hour, orgid, apiid) DO UPDATE SET hits = hits + 1, success = success + excluded.success,
          errors = errors + excluded.errors, total_requesttime = total_requesttime + excluded.total_requesttime,
          total_upstream = total_upstream + excluded.total_upstream,
          max_requesttime = max(max_requesttime, excluded.max_requesttime);
        INSERT INTO tyk_analytics_hourly_key VALUES (${hour}, NEW.orgid, NEW.apiid, NEW.apikey, 1, NOT ${isError}, ${isError},
          NEW.requesttime)
        ON CONFLICT (hour, orgid, apiid, apikey) DO UPDATE SET hits = hits + 1, success = success + excluded.success,
          errors = errors + excluded.errors, total_requesttime = total_requesttime + excluded.total_requesttime;
      END`,
    ],
  },
  {
    version: 2,
    name: "tyk_uptime_analytics",
    statements: [
      `CREATE TABLE IF NOT EXISTS tyk_uptime_analytics (
        id TEXT PRIMARY KEY, url TEXT NOT NULL, requesttime INTEGER NOT NULL, responsecode INTEGER NOT NULL,
        tcperror INTEGER NOT NULL, servererror INTEGER NOT NULL, day INTEGER NOT NULL, month INTEGER NOT NULL,
        year INTEGER NOT NULL, hour INTEGER NOT NULL, minute INTEGER NOT NULL, "timestamp" TEXT NOT NULL,
        expire_at TEXT NOT NULL, apiid TEXT NOT NULL, orgid TEXT NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS tyk_uptime_analytics_timestamp ON tyk_uptime_analytics ("timestamp")`,
      `CREATE INDEX IF NOT EXISTS tyk_uptime_analytics_api ON tyk_uptime_analytics (apiid, "timestamp")`,
      `CREATE INDEX IF NOT EXISTS tyk_uptime_analytics_url ON tyk_uptime_analytics (url, "timestamp")`,
      `CREATE INDEX IF NOT EXISTS tyk_uptime_analytics_org ON tyk_uptime_analytics (orgid)`,
      `CREATE INDEX IF NOT EXISTS tyk_uptime_analytics_expire_at ON tyk_uptime_analytics (expire_at)`,
    ],
  },
];
