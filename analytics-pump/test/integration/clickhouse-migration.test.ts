import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import { sampleRecord } from "../../../test/analytics/support/sample-record";
import { clickHouseMigrations, supportsTtl } from "../../src/sinks/clickhouse-schema";
import { ClickHouseSink } from "../../src/sinks/clickhouse";
import { tykAnalytics } from "./support/tyk-pump-schema";

/**
 * A ClickHouse database in the previous layout (migrations 1 and 2) gets
 * PostgreSQL's column names with the next write; its rows are copied, the
 * old table is kept, and raw uptime checks move to portcullis_uptime_checks.
 */
it("copies the previous ClickHouse layout into tyk-pump's column names and keeps the old table", async () => {
  const database = `legacy_${Date.now()}`;
  const at = (name: string) => new ClickHouseSink({ url: env.CLICKHOUSE_URL!, database: name, user: "default", password: "" });
  await at("default").query(`CREATE DATABASE ${database}`);
  const sink = at(database);
  const ttl = supportsTtl((await sink.query("SELECT version() FORMAT TSV")).trim());
  await sink.query("CREATE TABLE portcullis_migrations (version UInt32, name String, applied_at DateTime) ENGINE = ReplacingMergeTree ORDER BY version");
  for (const migration of clickHouseMigrations(ttl).filter((migration) => migration.version <= 2)) {
    for (const statement of migration.statements) await sink.query(statement);
    await sink.query(
      "INSERT INTO portcullis_migrations FORMAT JSONEachRow",
      JSON.stringify({ version: migration.version, name: migration.name, applied_at: "2026-01-01 00:00:00" }),
    );
  }
  await sink.query(
    "INSERT INTO tyk_analytics (id, apiid, orgid, countrycode, citygeonameid, latitude, timezone, expire_at, timestamp) FORMAT JSONEachRow",
    JSON.stringify({
      id: "old-1",
      apiid: "api-old",
      orgid: "org-old",
      countrycode: "NL",
      citygeonameid: 2759794,
      latitude: 52.37,
      timezone: "Europe/Amsterdam",
      expire_at: "2036-01-01 00:00:00",
      timestamp: "2026-03-04 10:00:00",
    }),
  );

  await sink.write({ requests: [sampleRecord(1, { api_id: "api-new" })], uptime: [] });

  const rows = (text: string) =>
    text
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const columns = rows(await sink.query("SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'tyk_analytics' FORMAT JSONEachRow"));
  expect(columns.map((column) => column.name).toSorted()).toEqual(["id", ...Object.keys(tykAnalytics)].toSorted());
  const [old] = rows(
    await sink.query(
      "SELECT geo_country_iso_code, geo_city_geoname_id, geo_location_latitude, geo_location_time_zone, expireAt FROM tyk_analytics FINAL WHERE id = 'old-1' FORMAT JSONEachRow",
    ),
  );
  expect(old).toEqual({
    geo_country_iso_code: "NL",
    geo_city_geoname_id: 2759794,
    geo_location_latitude: 52.37,
    geo_location_time_zone: "Europe/Amsterdam",
    expireAt: "2036-01-01 00:00:00",
  });
  expect((await sink.query("SELECT count() FROM tyk_analytics FINAL WHERE apiid = 'api-new' FORMAT TSV")).trim()).toBe("1");
  expect((await sink.query("SELECT count() FROM portcullis_tyk_analytics_v1 WHERE id = 'old-1' FORMAT TSV")).trim()).toBe("1");
  expect((await sink.query("EXISTS TABLE portcullis_uptime_checks FORMAT TSV")).trim()).toBe("1");
});
