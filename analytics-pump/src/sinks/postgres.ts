import pg from "pg";
import { insertBatchSql, insertUptimeSql, postgresMigrations } from "./postgres-schema";
import { sqlRow } from "./rows";
import { MigrationGate, type Records, type Sink } from "./sink";
import { uptimeSqlRow } from "./uptime-rows";

const gate = new MigrationGate();
/** Any constant: it only serialises concurrent migrators on one database. */
const migrationLockId = 7_354_210;

async function migrate(client: pg.Client): Promise<void> {
  await client.query("BEGIN");
  try {
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
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/**
 * PostgreSQL through Hyperdrive (production) or a plain connection string
 * (local), with node-postgres over Workers TCP sockets. A Worker cannot keep a
 * socket between invocations, so each batch opens one connection and closes
 * it; Hyperdrive pools behind it.
 */
export class PostgresSink implements Sink {
  readonly name = "postgres" as const;

  constructor(private readonly connectionString: string) {}

  async write({ requests, uptime }: Records): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: 10_000 });
    // A socket error after the batch settled has nowhere to go; the write itself reports its own.
    client.on("error", () => undefined);
    await client.connect();
    try {
      await gate.ensure(this.connectionString, () => migrate(client));
      // Each statement is idempotent on its own, so no transaction spans the two: a retry redoes only what is missing.
      if (requests.length > 0) await client.query(insertBatchSql, [JSON.stringify(requests.map(sqlRow))]);
      if (uptime.length > 0) await client.query(insertUptimeSql, [JSON.stringify(uptime.map(uptimeSqlRow))]);
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
