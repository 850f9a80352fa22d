import { ClickHouseSink, type ClickHouseOptions } from "../sinks/clickhouse";
import type { DashboardData, DashboardQueries, DashboardRange } from "./data";

/*
 * The dashboard read from ClickHouse's raw `tyk_analytics`. Every read is
 * `FINAL`: a redelivered batch is stored twice until its parts merge, and FINAL
 * collapses the copies at read time, so nothing is counted twice. Errors are
 * responses >= 400 and percentiles nearest-rank, as the D1 and PostgreSQL
 * readers compute them.
 */

const queries = (range: DashboardRange, limit: number) => {
  // The range is zod-validated integers; ClickHouse's HTTP interface gets them inline.
  const window = `timestamp >= toDateTime(${range.from}) AND timestamp < toDateTime(${range.to})`;
  const rows = `tyk_analytics FINAL WHERE ${window}`;
  const nearestRank = (fraction: number) => `if(length(sorted) = 0, 0, arrayElement(sorted, toUInt64(ceil(${fraction} * length(sorted)))))`;
  return {
    totals: `SELECT count() AS requests, countIf(responsecode >= 400) AS errors FROM ${rows}`,
    series: `SELECT intDiv(toUInt32(timestamp), ${range.bucketSeconds}) * ${range.bucketSeconds} AS bucket, count() AS requests,
      countIf(responsecode >= 400) AS errors FROM ${rows} GROUP BY bucket ORDER BY bucket`,
    latency: `SELECT ${nearestRank(0.5)} AS p50, ${nearestRank(0.95)} AS p95, ${nearestRank(0.99)} AS p99
      FROM (SELECT arraySort(groupArray(requesttime)) AS sorted FROM ${rows})`,
    topApis: `SELECT apiid AS apiId, any(api_name) AS apiName, count() AS requests, countIf(responsecode >= 400) AS errors
      FROM ${rows} GROUP BY apiid ORDER BY requests DESC, apiid LIMIT ${limit}`,
    topKeys: `SELECT apikey AS key, any(alias) AS alias, count() AS requests FROM ${rows} AND apikey != ''
      GROUP BY apikey ORDER BY requests DESC, apikey LIMIT ${limit}`,
    statusCodes: `SELECT responsecode AS code, count() AS requests FROM ${rows} GROUP BY responsecode ORDER BY requests DESC, code LIMIT ${limit}`,
    countries: `SELECT geo_country_iso_code AS country, count() AS requests FROM ${rows}
      GROUP BY geo_country_iso_code ORDER BY requests DESC, country LIMIT ${limit}`,
  };
};

/** JSONEachRow quotes 64-bit integers: numbers back, text columns kept. */
function parse<T>(body: string, text: readonly string[] = []): T[] {
  return body
    .split("\n")
    .filter(Boolean)
    .map(
      (line) =>
        Object.fromEntries(
          Object.entries(JSON.parse(line) as Record<string, unknown>).map(([name, value]) => [name, text.includes(name) ? String(value) : Number(value)]),
        ) as T,
    );
}

export class ClickHouseDashboardQueries implements DashboardQueries {
  private readonly clickhouse: ClickHouseSink;

  constructor(options: ClickHouseOptions) {
    this.clickhouse = new ClickHouseSink(options);
  }

  async read(range: DashboardRange, limit: number): Promise<DashboardData> {
    const sql = queries(range, limit);
    const run = async <T>(query: string, text?: readonly string[]) => parse<T>(await this.clickhouse.query(`${query} FORMAT JSONEachRow`), text);
    const [totals, series, latency, topApis, topKeys, statusCodes, countries] = await Promise.all([
      run<{ requests: number; errors: number }>(sql.totals),
      run<DashboardData["series"][number]>(sql.series),
      run<DashboardData["latency"]>(sql.latency),
      run<DashboardData["topApis"][number]>(sql.topApis, ["apiId", "apiName"]),
      run<DashboardData["topKeys"][number]>(sql.topKeys, ["key", "alias"]),
      run<DashboardData["statusCodes"][number]>(sql.statusCodes),
      run<DashboardData["countries"][number]>(sql.countries, ["country"]),
    ]);
    const total = totals[0] ?? { requests: 0, errors: 0 };
    return {
      range,
      sink: "clickhouse",
      totals: { ...total, errorRate: total.requests === 0 ? 0 : total.errors / total.requests },
      series,
      latency: latency[0] ?? { p50: 0, p95: 0, p99: 0 },
      topApis,
      topKeys,
      statusCodes,
      countries,
    };
  }
}
