import { d1Migrations } from "./d1-schema";
import { sqlColumns, sqlRow } from "./rows";
import { MigrationGate, type Records, type Sink } from "./sink";
import { uptimeSqlColumns, uptimeSqlRow } from "./uptime-rows";

/** D1 caps one bound value at about 2 MB; stay well below it. */
const maxChunkBytes = 1_000_000;

/**
 * One statement inserts a whole chunk from a single JSON parameter (D1 allows
 * 100 bound parameters per statement, about two rows' worth).
 */
const insertSql = (table: string, columns: readonly string[]) => `INSERT INTO ${table} (${columns.map((column) => `"${column}"`).join(", ")})
  SELECT ${columns.map((column) => `json_extract(value, '$.${column}')`).join(", ")}
  FROM json_each(?1) WHERE true
  ON CONFLICT (id) DO NOTHING`;
const requestInsertSql = insertSql("tyk_analytics", sqlColumns);
const uptimeInsertSql = insertSql("tyk_uptime_analytics", uptimeSqlColumns);

/** Expired rows deleted per table per batch: enough to keep up, small enough not to slow the batch. */
const purgeLimit = 1_000;
const purgeSql = (table: string) => `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE expire_at < ?1 LIMIT ${purgeLimit})`;

const gate = new MigrationGate();

function chunks(rows: object[]): string[] {
  const result: string[] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const row of rows) {
    const json = JSON.stringify(row);
    if (current.length > 0 && bytes + json.length > maxChunkBytes) {
      result.push(`[${current.join(",")}]`);
      current = [];
      bytes = 0;
    }
    current.push(json);
    bytes += json.length + 1;
  }
  if (current.length > 0) result.push(`[${current.join(",")}]`);
  return result;
}

export async function migrateD1(db: D1Database): Promise<void> {
  await db.prepare("CREATE TABLE IF NOT EXISTS portcullis_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)").run();
  const applied = await db.prepare("SELECT version FROM portcullis_migrations").all<{ version: number }>();
  const done = new Set(applied.results.map((row) => row.version));
  for (const migration of d1Migrations) {
    if (done.has(migration.version)) continue;
    await db.batch([
      ...migration.statements.map((statement) => db.prepare(statement)),
      db.prepare("INSERT OR IGNORE INTO portcullis_migrations VALUES (?1, ?2, ?3)").bind(migration.version, migration.name, new Date().toISOString()),
    ]);
  }
}

/** The zero-setup sink: D1 locally (SQLite under `wrangler dev`), or a D1 database in production. */
export class D1Sink implements Sink {
  readonly name = "d1" as const;

  constructor(private readonly db: D1Database) {}

  async write({ requests, uptime }: Records): Promise<void> {
    await gate.ensure(this.db, () => migrateD1(this.db));
    // A D1 batch is one transaction: every chunk of both tables commits, or none does.
    await this.db.batch([
      ...chunks(requests.map(sqlRow)).map((json) => this.db.prepare(requestInsertSql).bind(json)),
      ...chunks(uptime.map(uptimeSqlRow)).map((json) => this.db.prepare(uptimeInsertSql).bind(json)),
      // Retention (`expireAt`), bounded per batch; the hourly aggregates keep what expired rows added.
      ...["tyk_analytics", "tyk_uptime_analytics"].map((table) => this.db.prepare(purgeSql(table)).bind(new Date().toISOString())),
    ]);
  }
}
