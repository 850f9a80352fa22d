import { clickHouseMigrations, clickHouseRow, clickHouseUptimeRow, supportsTtl } from "./clickhouse-schema";
import { MigrationGate, type Records, type Sink } from "./sink";

export interface ClickHouseOptions {
  url: string;
  database: string;
  user: string;
  password: string;
}

const gate = new MigrationGate();

/** ClickHouse over its HTTP interface with plain `fetch`: no client library, any server version. */
export class ClickHouseSink implements Sink {
  readonly name = "clickhouse" as const;

  constructor(private readonly options: ClickHouseOptions) {}

  /** Runs one statement; `data` goes in the body after it (an INSERT's rows). */
  async query(statement: string, data?: string): Promise<string> {
    const url = new URL(this.options.url);
    url.searchParams.set("database", this.options.database);
    if (data !== undefined) url.searchParams.set("query", statement);
    const response = await fetch(url, {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`${this.options.user}:${this.options.password}`)}` },
      body: data ?? statement,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`ClickHouse answered ${response.status}: ${text.trim().slice(0, 500)}`);
    return text;
  }

  private async migrate(): Promise<void> {
    await this.query(
      "CREATE TABLE IF NOT EXISTS portcullis_migrations (version UInt32, name String, applied_at DateTime) ENGINE = ReplacingMergeTree ORDER BY version",
    );
    const applied = new Set((await this.query("SELECT version FROM portcullis_migrations FINAL FORMAT TSV")).split("\n").filter(Boolean).map(Number));
    const ttl = supportsTtl((await this.query("SELECT version() FORMAT TSV")).trim());
    for (const migration of clickHouseMigrations(ttl)) {
      if (applied.has(migration.version)) continue;
      // ClickHouse has no DDL transactions: every statement is IF NOT EXISTS, so a half-done run can be repeated.
      for (const statement of migration.statements) await this.query(statement);
      await this.query(
        "INSERT INTO portcullis_migrations FORMAT JSONEachRow",
        JSON.stringify({ version: migration.version, name: migration.name, applied_at: new Date().toISOString().slice(0, 19).replace("T", " ") }),
      );
    }
  }

  async write({ requests, uptime }: Records): Promise<void> {
    await gate.ensure(`${this.options.url}|${this.options.database}`, () => this.migrate());
    // A block that spans two months is written as two parts and may half succeed, as may the
    // second table after the first; the retry writes it again and the rows that were already
    // there collapse with their copies.
    if (requests.length > 0) {
      await this.query("INSERT INTO tyk_analytics FORMAT JSONEachRow", requests.map((record) => JSON.stringify(clickHouseRow(record))).join("\n"));
    }
    if (uptime.length > 0) {
      await this.query(
        "INSERT INTO portcullis_uptime_checks FORMAT JSONEachRow",
        uptime.map((record) => JSON.stringify(clickHouseUptimeRow(record))).join("\n"),
      );
    }
  }
}
