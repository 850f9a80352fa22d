import pg from "pg";
import type { AnalyticsRecord } from "../../../src/contract/analytics-record";
import { postgresMigrations } from "./postgres-schema";
import { MigrationGate, type Records, type Sink } from "./sink";
import { type AggregateRow, aggregateRequests, aggregateUptime } from "./tyk-aggregate";
import { aggregateTableSql, analyticsTableSql, shardName, tykAnalyticsRow, uptimeCheckRow } from "./tyk-pump-tables";
import { aggregateUpsertSql, insertNewSql, uptimeUpsertSql } from "./postgres-writes";

const gate = new MigrationGate();
/** Any constant: it only serialises concurrent migrators (and shard creators) on one database. */
const migrationLockId = 7_354_210;
/** Expired rows deleted per table per purge: retention keeps up without holding up the batch. */
const purgeLimit = 1_000;
/** Each isolate purges on its first batch, then at most once a minute: three round trips saved on most batches. */
const purgeIntervalMs = 60_000;
const lastPurge = new Map<string, number>();

async function inTransaction<T>(client: pg.Client, work: () => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    const result = await work();
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

async function migrate(client: pg.Client): Promise<void> {
  await inTransaction(client, async () => {
    await client.query("SELECT pg_advisory_xact_lock($1)", [migrationLockId]);
    await client.query(
      "CREATE TABLE IF NOT EXISTS portcullis_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const applied = new Set((await client.query<{ version: number }>("SELECT version FROM portcullis_migrations")).rows.map((row) => row.version));
    for (const migration of postgresMigrations) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements) await client.query(statement);
      await client.query("INSERT INTO portcullis_migrations (version, name) VALUES ($1, $2)", [migration.version, migration.name]);
    }
  });
}

/** Day tables already created, per database: creating them is a few statements, checked once per isolate. */
const shards = new MigrationGate();

function ensureShard(client: pg.Client, database: string, table: string, statements: string[]): Promise<void> {
  return shards.ensure(`${database}|${table}`, () =>
    inTransaction(client, async () => {
      await client.query("SELECT pg_advisory_xact_lock($1)", [migrationLockId]);
      for (const statement of statements) await client.query(statement);
    }),
  );
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    const group = groups.get(name);
    if (group) group.push(item);
    else groups.set(name, [item]);
  }
  return groups;
}

/** Rows in id order: two batches sharing records (a redelivery racing the original) then take their locks in the same order. */
const byId = <T extends { id: unknown }>(rows: readonly T[]) =>
  rows.toSorted((a, b) => (String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0));

/** Adds aggregate rows to their tables, in id order so concurrent batches lock rows in the same order and cannot deadlock. */
async function upsert(client: pg.Client, rows: AggregateRow[], tableOf: (row: AggregateRow) => string, sql: (table: string) => string): Promise<void> {
  for (const [table, group] of groupBy(rows, tableOf)) await client.query(sql(table), [JSON.stringify(group)]);
}

export interface PostgresOptions {
  /** tyk-pump's `table_sharding`: a table per UTC day, `tyk_analytics_YYYYMMDD`, `tyk_aggregated_YYYYMMDD`, `tyk_uptime_analytics_YYYYMMDD`. */
  tableSharding: boolean;
}

/**
 * PostgreSQL through Hyperdrive (production) or a plain connection string
 * (local), with node-postgres over Workers TCP sockets, into tyk-pump's tables.
 * A Worker cannot keep a socket between invocations, so each batch opens one
 * connection and closes it; Hyperdrive pools behind it.
 *
 * Exactly once: in one transaction the raw rows are inserted skipping ids
 * already stored, and only the rows that insert returned are aggregated and
 * added to the aggregate rows, so a redelivered batch changes nothing.
 */
export class PostgresSink implements Sink {
  readonly name = "postgres" as const;

  constructor(
    private readonly connectionString: string,
    private readonly options: PostgresOptions = { tableSharding: false },
  ) {}

  private table(base: string, instant: string): string {
    return this.options.tableSharding ? shardName(base, instant) : base;
  }

  async write({ requests, uptime }: Records): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: 10_000 });
    // A socket error after the batch settled has nowhere to go; the write itself reports its own.
    client.on("error", () => undefined);
    await client.connect();
    try {
      await gate.ensure(this.connectionString, () => migrate(client));
      const raw = groupBy(requests, (record) => this.table("tyk_analytics", record.timestamp));
      const aggregateTable = (row: AggregateRow, base: string) => this.table(base, new Date(Number(row.timestamp) * 1000).toISOString());
      if (this.options.tableSharding) {
        // Day tables are created before the write, outside its transaction, so concurrent batches never race on them.
        const days = (records: readonly { timestamp: string }[], base: string) => new Set(records.map((record) => shardName(base, record.timestamp)));
        for (const table of raw.keys()) await ensureShard(client, this.connectionString, table, analyticsTableSql(table));
        for (const table of days(requests, "tyk_aggregated"))
          await ensureShard(client, this.connectionString, table, aggregateTableSql(table, "idx_dimension"));
        for (const table of days(uptime, "tyk_uptime_analytics"))
          await ensureShard(client, this.connectionString, table, aggregateTableSql(table, "dimension"));
      }
      await inTransaction(client, async () => {
        const fresh: AnalyticsRecord[] = [];
        for (const [table, records] of raw) fresh.push(...(await this.insertNew(client, table, records.map(tykAnalyticsRow), records)));
        const freshUptime = await this.insertNew(client, "portcullis_uptime_checks", uptime.map(uptimeCheckRow), uptime);
        await upsert(client, aggregateRequests(fresh), (row) => aggregateTable(row, "tyk_aggregated"), aggregateUpsertSql);
        await upsert(client, aggregateUptime(freshUptime), (row) => aggregateTable(row, "tyk_uptime_analytics"), uptimeUpsertSql);
      });
      if (Date.now() - (lastPurge.get(this.connectionString) ?? 0) >= purgeIntervalMs) {
        await this.purgeExpired(client);
        lastPurge.set(this.connectionString, Date.now());
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /**
   * Inserts the rows, skipping ids already stored, and returns the records
   * that were new, in their arrival order (tyk-pump's aggregates depend on it:
   * last times, the latest alias).
   */
  private async insertNew<T extends { id: string }>(client: pg.Client, table: string, rows: { id: unknown }[], records: readonly T[]): Promise<T[]> {
    if (rows.length === 0) return [];
    const inserted = await client.query<{ id: string }>(insertNewSql(table), [JSON.stringify(byId(rows))]);
    const ids = new Set(inserted.rows.map((row) => row.id));
    return records.filter((record) => ids.has(record.id));
  }

  /** Retention (`expireAt`): a bounded delete per raw table; tyk-pump's aggregate tables carry no expiry. */
  private async purgeExpired(client: pg.Client): Promise<void> {
    const tables = await client.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename ~ '^tyk_analytics(_[0-9]{8})?$'",
    );
    for (const { tablename } of tables.rows) {
      await client.query(`DELETE FROM ${tablename} WHERE id IN (SELECT id FROM ${tablename} WHERE "expireAt" < now() LIMIT ${purgeLimit})`);
    }
    await client.query(
      `DELETE FROM portcullis_uptime_checks WHERE id IN (SELECT id FROM portcullis_uptime_checks WHERE expire_at < now() LIMIT ${purgeLimit})`,
    );
  }
}
