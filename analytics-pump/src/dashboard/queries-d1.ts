import { migrateD1 } from "../sinks/d1";
import type { DashboardData, DashboardQueries, DashboardRange } from "./data";

/*
 * The dashboard read from D1's raw `tyk_analytics` rows (the hourly aggregate
 * tables are too coarse for arbitrary windows). Timestamps are stored as UTC
 * ISO text with milliseconds, so the window is compared as text; every query
 * runs in one D1 batch, one round trip. An error is a response >= 400, as in
 * the D1 aggregates. Percentiles are nearest-rank (PostgreSQL's
 * percentile_disc): the smallest request_time at or above that fraction.
 */

const window = `"timestamp" >= ?1 AND "timestamp" < ?2`;
const errorCount = "sum(responsecode >= 400)";

const sql = {
  totals: `SELECT count(*) AS requests, coalesce(${errorCount}, 0) AS errors FROM tyk_analytics WHERE ${window}`,
  // D1 binds numbers as REAL: cast, or the division would not round down to the bucket.
  series: `SELECT CAST(strftime('%s', "timestamp") AS INTEGER) / CAST(?3 AS INTEGER) * CAST(?3 AS INTEGER) AS bucket, count(*) AS requests, ${errorCount} AS errors
    FROM tyk_analytics WHERE ${window} GROUP BY bucket ORDER BY bucket`,
  latency: `WITH ranked AS (
      SELECT requesttime, cume_dist() OVER (ORDER BY requesttime) AS rank FROM tyk_analytics WHERE ${window}
    )
    SELECT coalesce(min(CASE WHEN rank >= 0.5 THEN requesttime END), 0) AS p50,
      coalesce(min(CASE WHEN rank >= 0.95 THEN requesttime END), 0) AS p95,
      coalesce(min(CASE WHEN rank >= 0.99 THEN requesttime END), 0) AS p99 FROM ranked`,
  topApis: `SELECT apiid AS apiId, max(api_name) AS apiName, count(*) AS requests, ${errorCount} AS errors
    FROM tyk_analytics WHERE ${window} GROUP BY apiid ORDER BY requests DESC, apiid LIMIT ?3`,
  // Keyless requests carry no key: they are not a key's traffic.
  topKeys: `SELECT apikey AS key, max(alias) AS alias, count(*) AS requests
    FROM tyk_analytics WHERE ${window} AND apikey != '' GROUP BY apikey ORDER BY requests DESC, apikey LIMIT ?3`,
  statusCodes: `SELECT responsecode AS code, count(*) AS requests
    FROM tyk_analytics WHERE ${window} GROUP BY responsecode ORDER BY requests DESC, code LIMIT ?3`,
  countries: `SELECT countrycode AS country, count(*) AS requests
    FROM tyk_analytics WHERE ${window} GROUP BY countrycode ORDER BY requests DESC, country LIMIT ?3`,
};

type Rows<T> = D1Result<T>["results"];

/** Databases this isolate has brought up to the pump's schema (the tables may not exist before the first batch). */
const migrated = new WeakSet<D1Database>();

export class D1DashboardQueries implements DashboardQueries {
  constructor(private readonly db: D1Database) {}

  async read(range: DashboardRange, limit: number): Promise<DashboardData> {
    if (!migrated.has(this.db)) {
      await migrateD1(this.db);
      migrated.add(this.db);
    }
    const from = new Date(range.from * 1000).toISOString();
    const to = new Date(range.to * 1000).toISOString();
    const statement = (query: string, third?: number) => this.db.prepare(query).bind(from, to, ...(third === undefined ? [] : [third]));
    const [totals, series, latency, topApis, topKeys, statusCodes, countries] = await this.db.batch<Record<string, unknown>>([
      statement(sql.totals),
      statement(sql.series, range.bucketSeconds),
      statement(sql.latency),
      statement(sql.topApis, limit),
      statement(sql.topKeys, limit),
      statement(sql.statusCodes, limit),
      statement(sql.countries, limit),
    ]);
    const total = (totals!.results[0] ?? { requests: 0, errors: 0 }) as { requests: number; errors: number };
    return {
      range,
      sink: "d1",
      totals: { requests: total.requests, errors: total.errors, errorRate: total.requests === 0 ? 0 : total.errors / total.requests },
      series: series!.results as Rows<DashboardData["series"][number]>,
      latency: (latency!.results[0] ?? { p50: 0, p95: 0, p99: 0 }) as DashboardData["latency"],
      topApis: topApis!.results as Rows<DashboardData["topApis"][number]>,
      topKeys: topKeys!.results as Rows<DashboardData["topKeys"][number]>,
      statusCodes: statusCodes!.results as Rows<DashboardData["statusCodes"][number]>,
      countries: countries!.results as Rows<DashboardData["countries"][number]>,
    };
  }
}
