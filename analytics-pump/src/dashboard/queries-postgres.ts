import pg from "pg";
import type { DashboardData, DashboardQueries, DashboardRange } from "./data";

/*
 * The dashboard read from PostgreSQL's raw `tyk_analytics` rows (tyk-pump's
 * columns; the hourly `tyk_aggregated` rows are too coarse for arbitrary
 * windows). With table sharding the window's day tables are read as one.
 * Errors are responses >= 400 and percentiles nearest-rank (percentile_disc),
 * as the D1 reader computes them.
 */

/** The columns the dashboard needs, listed so tables whose column order differs (a converted table, a day table) combine. */
const columns = `"timestamp", responsecode, requesttime, apiid, api_name, apikey, alias, geo_country_iso_code`;
const window = `"timestamp" >= to_timestamp($1) AND "timestamp" < to_timestamp($2)`;
const errors = "count(*) FILTER (WHERE responsecode >= 400)";

const queries = (source: string) => ({
  totals: `SELECT count(*) AS requests, ${errors} AS errors FROM ${source} WHERE ${window}`,
  series: `SELECT floor(extract(epoch FROM "timestamp") / $3)::bigint * $3 AS bucket, count(*) AS requests, ${errors} AS errors
    FROM ${source} WHERE ${window} GROUP BY 1 ORDER BY 1`,
  latency: `SELECT coalesce(percentile_disc(0.5) WITHIN GROUP (ORDER BY requesttime), 0) AS p50,
    coalesce(percentile_disc(0.95) WITHIN GROUP (ORDER BY requesttime), 0) AS p95,
    coalesce(percentile_disc(0.99) WITHIN GROUP (ORDER BY requesttime), 0) AS p99 FROM ${source} WHERE ${window}`,
  topApis: `SELECT apiid AS "apiId", max(api_name) AS "apiName", count(*) AS requests, ${errors} AS errors
    FROM ${source} WHERE ${window} GROUP BY apiid ORDER BY requests DESC, apiid LIMIT $3`,
  // Keyless requests carry no key: they are not a key's traffic.
  topKeys: `SELECT apikey AS key, max(alias) AS alias, count(*) AS requests
    FROM ${source} WHERE ${window} AND apikey <> '' GROUP BY apikey ORDER BY requests DESC, apikey LIMIT $3`,
  statusCodes: `SELECT responsecode AS code, count(*) AS requests FROM ${source} WHERE ${window}
    GROUP BY responsecode ORDER BY requests DESC, code LIMIT $3`,
  countries: `SELECT geo_country_iso_code AS country, count(*) AS requests FROM ${source} WHERE ${window}
    GROUP BY geo_country_iso_code ORDER BY requests DESC, country LIMIT $3`,
});

const day = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10).replaceAll("-", "");

/** node-postgres returns bigint and numeric as text. */
const numbers = <T extends Record<string, unknown>>(rows: Record<string, unknown>[], text: readonly string[] = []): T[] =>
  rows.map((row) => Object.fromEntries(Object.entries(row).map(([name, value]) => [name, text.includes(name) ? String(value) : Number(value)])) as T);

export class PostgresDashboardQueries implements DashboardQueries {
  constructor(
    private readonly connectionString: string,
    private readonly options: { tableSharding: boolean } = { tableSharding: false },
  ) {}

  /** `tyk_analytics`, plus the day tables the window touches when sharding. */
  private async source(client: pg.Client, range: DashboardRange): Promise<string> {
    if (!this.options.tableSharding) return "tyk_analytics";
    const { rows } = await client.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename ~ '^tyk_analytics_[0-9]{8}$' ORDER BY tablename",
    );
    const first = day(range.from);
    const last = day(range.to);
    const days = rows.map((row) => row.tablename).filter((table) => table.slice(-8) >= first && table.slice(-8) <= last);
    return `(${["tyk_analytics", ...days].map((table) => `SELECT ${columns} FROM ${table}`).join(" UNION ALL ")}) AS rows`;
  }

  async read(range: DashboardRange, limit: number): Promise<DashboardData> {
    const client = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: 10_000 });
    client.on("error", () => undefined);
    await client.connect();
    try {
      const sql = queries(await this.source(client, range));
      const run = async (text: string, third?: number) =>
        (await client.query<Record<string, unknown>>(text, third === undefined ? [range.from, range.to] : [range.from, range.to, third])).rows;
      const totals = numbers<{ requests: number; errors: number }>(await run(sql.totals))[0] ?? { requests: 0, errors: 0 };
      return {
        range,
        sink: "postgres",
        totals: { ...totals, errorRate: totals.requests === 0 ? 0 : totals.errors / totals.requests },
        series: numbers(await run(sql.series, range.bucketSeconds)),
        latency: numbers<DashboardData["latency"]>(await run(sql.latency))[0] ?? { p50: 0, p95: 0, p99: 0 },
        topApis: numbers(await run(sql.topApis, limit), ["apiId", "apiName"]),
        topKeys: numbers(await run(sql.topKeys, limit), ["key", "alias"]),
        statusCodes: numbers(await run(sql.statusCodes, limit)),
        countries: numbers(await run(sql.countries, limit), ["country"]),
      };
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
