import { env } from "cloudflare:test";
import pg from "pg";

/** Runs one query on the test cluster (or another database of it), for assertions. */
export async function postgresQuery<T extends pg.QueryResultRow>(text: string, values: unknown[] = [], connectionString = env.POSTGRES_URL!): Promise<T[]> {
  const client = new pg.Client({ connectionString });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Runs a ClickHouse query over HTTP and returns its JSONEachRow rows. */
export async function clickhouse<T>(query: string): Promise<T[]> {
  const response = await fetch(env.CLICKHOUSE_URL!, { method: "POST", body: query.includes("FORMAT") ? query : `${query} FORMAT JSONEachRow` });
  const text = await response.text();
  if (!response.ok) throw new Error(`ClickHouse ${response.status}: ${text}`);
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

/** ClickHouse's JSON output quotes 64-bit integers. */
export const int = (value: unknown) => Number(value);

export async function control(service: "postgres" | "clickhouse", action: "stop" | "start"): Promise<void> {
  const response = await fetch(`${env.SERVICE_CONTROL_URL}/${service}/${action}`, { method: "POST" });
  if (!response.ok) throw new Error(`${service} ${action} failed: ${await response.text()}`);
}

export const idList = (records: readonly { id: string }[]) => records.map((record) => record.id);

/** The raw tables: request records and uptime results (Postgres keeps raw uptime checks in `portcullis_uptime_checks`). */
export type RecordTable = "tyk_analytics" | "tyk_uptime_analytics" | "portcullis_uptime_checks";

/** Rows per id in Postgres, counting duplicates. */
export async function storedInPostgres(ids: string[], table: RecordTable = "tyk_analytics"): Promise<number> {
  const [row] = await postgresQuery<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE id = ANY($1::text[])`, [ids]);
  return Number(row?.n ?? 0);
}

/** Rows of APIs whose id starts with the prefix in ClickHouse, as stored (no FINAL) and as read exactly (FINAL). */
export async function storedInClickHouse(prefix: string, table: RecordTable = "tyk_analytics"): Promise<{ stored: number; exact: number; distinct: number }> {
  const [raw] = await clickhouse<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE startsWith(apiid, '${prefix}')`);
  const [final] = await clickhouse<{ n: string; d: string }>(
    `SELECT count() AS n, uniqExact(id) AS d FROM ${table} FINAL WHERE startsWith(apiid, '${prefix}')`,
  );
  return { stored: int(raw?.n), exact: int(final?.n), distinct: int(final?.d) };
}

/** Totals over tyk-pump's `apiid` dimension rows for APIs whose id starts with the prefix (success is 2xx). */
export async function postgresApiTotals(
  prefix: string,
  table = "tyk_aggregated",
): Promise<{ hits: number; success: number; errors: number; total_requesttime: number }> {
  const [row] = await postgresQuery<Record<string, string>>(
    `SELECT coalesce(sum(counter_hits), 0) AS hits, coalesce(sum(counter_success), 0) AS success, coalesce(sum(counter_error), 0) AS errors,
       coalesce(sum(counter_total_request_time), 0) AS total_requesttime
     FROM ${table} WHERE dimension = 'apiid' AND dimension_value LIKE $1 || '%'`,
    [prefix],
  );
  return { hits: Number(row!.hits), success: Number(row!.success), errors: Number(row!.errors), total_requesttime: Number(row!.total_requesttime) };
}
