import { DurableObject } from "cloudflare:workers";
import { BreakerMachine, type BreakerAnswer, type BreakerSettings, type OpenState } from "./machine";

/*
 * One CircuitBreaker object per breaker (API, version, method and path), so
 * every isolate of the gateway sees one state: a trip seen through one isolate
 * stops the others (see shared-breaker.ts for how often they look). Calls
 * are answered in memory, in order. Only an open breaker is stored (SQLite,
 * written in the same turn; the output gate holds the answer until it is
 * durable), so eviction or a redeploy never reopens the upstream early; the
 * ten-second window lives in memory only, as an object busy enough to fill
 * it is not evicted.
 */

const schema =
  "CREATE TABLE IF NOT EXISTS breaker (id INTEGER PRIMARY KEY CHECK (id = 1), tripped_at INTEGER NOT NULL, last_failure_at INTEGER NOT NULL, probes INTEGER NOT NULL)";

interface OpenRow extends Record<string, SqlStorageValue> {
  tripped_at: number;
  last_failure_at: number;
  probes: number;
}

export class CircuitBreaker extends DurableObject<Record<string, unknown>> {
  private readonly machine: BreakerMachine;
  private tableMade: boolean;

  constructor(ctx: DurableObjectState, env: Record<string, unknown>) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    this.tableMade = sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'breaker'").toArray().length > 0;
    const row = this.tableMade ? sql.exec<OpenRow>("SELECT tripped_at, last_failure_at, probes FROM breaker").toArray()[0] : undefined;
    this.machine = new BreakerMachine(row ? { trippedAt: row.tripped_at, lastFailureAt: row.last_failure_at, probes: row.probes } : null);
  }

  /** Outcomes an isolate saw since it last asked, and the state they lead to. */
  record(settings: BreakerSettings, successes: number, failures: number): BreakerAnswer {
    return this.run((machine, now) => machine.record(settings, successes, failures, now));
  }

  probe(settings: BreakerSettings): BreakerAnswer {
    return this.run((machine, now) => machine.probe(settings, now));
  }

  probeResult(settings: BreakerSettings, failed: boolean): BreakerAnswer {
    return this.run((machine, now) => machine.probeResult(settings, failed, now));
  }

  private run(call: (machine: BreakerMachine, now: number) => BreakerAnswer): BreakerAnswer {
    const before = this.machine.open;
    const answer = call(this.machine, Date.now());
    if (this.machine.open !== before) this.save(this.machine.open);
    return answer;
  }

  private save(open: OpenState | null): void {
    const sql = this.ctx.storage.sql;
    if (!open) {
      if (this.tableMade) sql.exec("DELETE FROM breaker");
      return;
    }
    if (!this.tableMade) {
      sql.exec(schema);
      this.tableMade = true;
    }
    sql.exec(
      "INSERT INTO breaker (id, tripped_at, last_failure_at, probes) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET tripped_at = excluded.tripped_at, last_failure_at = excluded.last_failure_at, probes = excluded.probes",
      open.trippedAt,
      open.lastFailureAt,
      open.probes,
    );
  }
}
