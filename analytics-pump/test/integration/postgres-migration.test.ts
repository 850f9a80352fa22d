import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import { sampleRecord } from "../../../test/analytics/support/sample-record";
import { postgresMigrations } from "../../src/sinks/postgres-schema";
import { PostgresSink } from "../../src/sinks/postgres";
import { sampleUptimeRecord } from "../support/uptime-record";
import { postgresQuery } from "./support/stores";
import { columnsOf, text, tykAggregate, tykAnalytics } from "./support/tyk-pump-schema";

/**
 * A database left by the previous pump (migrations 1 and 2: geo columns named
 * countrycode etc., network/latency/tags as jsonb, raw uptime checks in
 * tyk_uptime_analytics, hourly tables) is converted in place by the next
 * write: every old row is still there, in tyk-pump's columns.
 */
it("converts the previous Postgres layout to tyk-pump's without losing a row", async () => {
  const database = `legacy_${Date.now()}`;
  await postgresQuery(`CREATE DATABASE ${database}`);
  const url = new URL(env.POSTGRES_URL!);
  url.pathname = `/${database}`;
  const legacy = <T extends Record<string, unknown>>(sql: string, values: unknown[] = []) => postgresQuery<T>(sql, values, url.toString());

  await legacy("CREATE TABLE portcullis_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
  for (const migration of postgresMigrations.filter((migration) => migration.version <= 2)) {
    for (const statement of migration.statements) await legacy(statement);
    await legacy("INSERT INTO portcullis_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name]);
  }
  await legacy(
    `INSERT INTO tyk_analytics VALUES ('old-1', 'GET', 'h', '/p', '/p', 12, 'ua', 4, 3, 2026, 10, 503, 'k', '2026-03-04T10:00:00Z', 'v1',
      'API', 'api-old', 'org-old', '', 40, '', '', '198.51.100.7', 'NL', 2759794, '{"en": "Amsterdam"}', 52.37, 4.89,
      'Europe/Amsterdam', '{"open_connections": 1, "closed_connections": 2, "bytes_in": 3, "bytes_out": 4}',
      '{"total": 40, "upstream": 35, "gateway": 5}', '["gold"]', 'alias', true, '2036-01-01T00:00:00Z', '/o', '/l')`,
  );
  await legacy(
    `INSERT INTO tyk_uptime_analytics VALUES ('old-check', 'http://u/h', 7, 200, false, false, 4, 3, 2026, 10, 0, '2026-03-04T10:00:00Z',
      '2036-01-01T00:00:00Z', 'api-old', 'org-old')`,
  );
  await legacy("INSERT INTO tyk_analytics_hourly_api VALUES ('2026-03-04T10:00:00Z', 'org-old', 'api-old', 1, 0, 1, 40, 35, 40)");

  const record = sampleRecord(1, { org_id: "org-new" });
  const check = sampleUptimeRecord(1, { org_id: "org-new" });
  await new PostgresSink(url.toString()).write({ requests: [record], uptime: [check] });

  expect(await columnsOf("tyk_analytics", url.toString())).toEqual({ id: text, ...tykAnalytics });
  expect(await columnsOf("tyk_aggregated", url.toString())).toEqual(tykAggregate);
  expect(await columnsOf("tyk_uptime_analytics", url.toString())).toEqual(tykAggregate);
  const [old] = await legacy<Record<string, unknown>>("SELECT * FROM tyk_analytics WHERE id = 'old-1'");
  expect(old).toMatchObject({
    responsecode: "503",
    geo_country_iso_code: "NL",
    geo_city_geoname_id: "2759794",
    geo_location_latitude: "52.37",
    geo_location_time_zone: "Europe/Amsterdam",
    network_open_connections: "1",
    network_bytes_out: "4",
    latency_total: "40",
    latency_upstream: "35",
    latency_gateway: "5",
    trackpath: true,
  });
  expect(JSON.parse(String(old!.tags))).toEqual(["gold"]);
  expect(JSON.parse(String(old!.geo_city_names))).toEqual({ en: "Amsterdam" });
  expect((old!.expireAt as Date).toISOString()).toBe("2036-01-01T00:00:00.000Z");
  expect(await legacy("SELECT id FROM tyk_analytics WHERE id = $1", [record.id])).toHaveLength(1);
  expect((await legacy<{ id: string }>("SELECT id FROM portcullis_uptime_checks ORDER BY id")).map((row) => row.id)).toEqual(
    ["old-check", check.id].toSorted(),
  );
  expect(await legacy("SELECT * FROM tyk_analytics_hourly_api WHERE apiid = 'api-old'")).toHaveLength(1);
  expect(await legacy("SELECT * FROM tyk_aggregated WHERE org_id = 'org-new' AND dimension = ''")).toHaveLength(1);
  expect((await legacy<{ version: number }>("SELECT version FROM portcullis_migrations ORDER BY version")).map((row) => row.version)).toEqual([1, 2, 3]);
});
