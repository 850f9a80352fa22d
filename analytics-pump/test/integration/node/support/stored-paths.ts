import type { Miniflare } from "miniflare";
import type pg from "pg";

/*
 * How many rows each sink holds per recorded path, for one API: the test
 * gives every request its own path, so a path seen twice is a duplicate and
 * a path not seen is a lost record. ClickHouse is read with FINAL, as the
 * pump's exact reads are (see clickhouse-schema.ts).
 */

export type PathCounts = Map<string, number>;

const countsOf = (rows: { path: string; n: number | string }[]): PathCounts => new Map(rows.map((row) => [row.path, Number(row.n)]));

/** Runs a query on the test's own connection; before the pump's first batch the table does not exist yet, and there is nothing. */
async function postgres<T extends pg.QueryResultRow>(client: pg.Client, text: string, values: unknown[]): Promise<T[]> {
  try {
    return (await client.query<T>(text, values)).rows;
  } catch (error) {
    if ((error as { code?: string }).code === "42P01") return [];
    throw error;
  }
}

export async function postgresPaths(client: pg.Client, apiId: string): Promise<PathCounts> {
  return countsOf(await postgres(client, "SELECT path, count(*) AS n FROM tyk_analytics WHERE apiid = $1 GROUP BY path", [apiId]));
}

/** Rows of these record ids already committed in PostgreSQL. */
export async function postgresHas(client: pg.Client, ids: string[]): Promise<number> {
  const [row] = await postgres<{ n: string }>(client, "SELECT count(*) AS n FROM tyk_analytics WHERE id = ANY($1::text[])", [ids]);
  return Number(row?.n ?? 0);
}

async function clickhouse<T>(url: string, query: string): Promise<T[]> {
  const response = await fetch(url, { method: "POST", body: `${query} FORMAT JSONEachRow` });
  const text = await response.text();
  if (!response.ok) {
    if (text.includes("UNKNOWN_TABLE") || text.includes("doesn't exist")) return [];
    throw new Error(`ClickHouse ${response.status}: ${text}`);
  }
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

const quoted = (value: string) => `'${value.replace(/[\\']/g, (character) => `\\${character}`)}'`;

export async function clickhousePaths(url: string, apiId: string): Promise<PathCounts> {
  return countsOf(await clickhouse(url, `SELECT path, count() AS n FROM tyk_analytics FINAL WHERE apiid = ${quoted(apiId)} GROUP BY path`));
}

/** Rows of these record ids ClickHouse holds (exact, FINAL). */
export async function clickhouseHas(url: string, ids: string[]): Promise<number> {
  const [row] = await clickhouse<{ n: string }>(url, `SELECT count() AS n FROM tyk_analytics FINAL WHERE id IN (${ids.map(quoted).join(", ")})`);
  return Number(row?.n ?? 0);
}

export async function d1Paths(pump: Miniflare, apiId: string): Promise<PathCounts> {
  const db = await pump.getD1Database("ANALYTICS_DB", "pump");
  try {
    const result = await db
      .prepare("SELECT path, count(*) AS n FROM tyk_analytics WHERE apiid = ?1 GROUP BY path")
      .bind(apiId)
      .all<{ path: string; n: number }>();
    return countsOf(result.results);
  } catch (error) {
    if (String(error).includes("no such table")) return new Map();
    throw error;
  }
}

export interface Tally {
  rows: number;
  distinct: number;
  missing: string[];
  duplicated: string[];
  unexpected: string[];
}

/** Compares what a sink holds with the paths the test sent. */
export function tally(counts: PathCounts, expected: readonly string[]): Tally {
  const wanted = new Set(expected);
  return {
    rows: [...counts.values()].reduce((sum, n) => sum + n, 0),
    distinct: counts.size,
    missing: expected.filter((path) => !counts.has(path)),
    duplicated: [...counts].filter(([, n]) => n > 1).map(([path]) => path),
    unexpected: [...counts.keys()].filter((path) => !wanted.has(path)),
  };
}
