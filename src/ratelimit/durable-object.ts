import { DurableObject } from "cloudflare:workers";
import { CounterSet, type CounterSpec, type CounterStore, type Decision, type QuotaReading, type QuotaState, type Refund } from "./counters";
import { SlidingLog } from "./sliding-log";

/*
 * One RateLimiter object per limited identity: `key:<hashed key>` or
 * `api:<api id>`. Every decision for that identity happens here, in memory and
 * synchronously, so concurrent requests from any number of isolates are
 * serialised without locks. Each admission is written to the object's SQLite
 * storage in the same turn; the runtime's output gate holds the answer until
 * the write is durable, so eviction or a redeploy loses no admission.
 * An alarm clears the object once everything in it has expired.
 */

const schema = `
  CREATE TABLE IF NOT EXISTS rate_log (
    counter TEXT NOT NULL, at INTEGER NOT NULL, n INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    PRIMARY KEY (counter, at)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS quota (counter TEXT PRIMARY KEY, used INTEGER NOT NULL, renews_at INTEGER NOT NULL) WITHOUT ROWID;
`;

/** Slack after the last expiry before the alarm clears the object, so a busy identity is not cleared and rebuilt constantly. */
const alarmSlackMs = 60_000;
/**
 * The furthest ahead a cleanup alarm is set. A key may carry a window or quota period far beyond what an alarm can
 * hold (storage refuses dates after 2189): the alarm then fires early, finds the counters still live and is set again.
 */
const alarmHorizonMs = 30 * 24 * 3_600_000;

class SqlCounterStore implements CounterStore {
  private ready: boolean;

  constructor(private readonly sql: SqlStorage) {
    // Tables are made on the first write, so an object that is only read (or
    // reset) stores nothing at all.
    this.ready = sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'quota'").toArray().length > 0;
  }

  get initialised(): boolean {
    return this.ready;
  }

  forget(): void {
    this.ready = false;
  }

  load(counters: CounterSet): void {
    if (!this.ready) return;
    const rows = this.sql.exec<{ counter: string; at: number; n: number; expires_at: number }>(
      "SELECT counter, at, n, expires_at FROM rate_log ORDER BY counter, at",
    );
    for (const row of rows) {
      let log = counters.logs.get(row.counter);
      if (!log) {
        log = new SlidingLog(row.expires_at - row.at);
        counters.logs.set(row.counter, log);
      }
      log.add(row.at, row.n);
    }
    for (const row of this.sql.exec<{ counter: string; used: number; renews_at: number }>("SELECT counter, used, renews_at FROM quota")) {
      counters.quotas.set(row.counter, { used: row.used, renewsAt: row.renews_at });
    }
  }

  addRate(id: string, at: number, n: number, expiresAt: number): void {
    this.write(
      `INSERT INTO rate_log (counter, at, n, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (counter, at) DO UPDATE SET n = n + excluded.n, expires_at = max(expires_at, excluded.expires_at)`,
      id,
      at,
      n,
      expiresAt,
    );
  }

  takeRate(id: string, at: number, n: number): void {
    this.write("UPDATE rate_log SET n = n - ? WHERE counter = ? AND at = ?", n, id, at);
    this.write("DELETE FROM rate_log WHERE counter = ? AND at = ? AND n <= 0", id, at);
  }

  pruneRate(id: string, upTo: number): void {
    if (this.ready) this.sql.exec("DELETE FROM rate_log WHERE counter = ? AND at <= ?", id, upTo);
  }

  saveQuota(id: string, state: QuotaState): void {
    this.write(
      "INSERT INTO quota (counter, used, renews_at) VALUES (?, ?, ?) ON CONFLICT (counter) DO UPDATE SET used = excluded.used, renews_at = excluded.renews_at",
      id,
      state.used,
      state.renewsAt,
    );
  }

  deleteQuota(id: string): void {
    if (this.ready) this.sql.exec("DELETE FROM quota WHERE counter = ?", id);
  }

  private write(query: string, ...bindings: (string | number)[]): void {
    if (!this.ready) {
      this.sql.exec(schema);
      this.ready = true;
    }
    this.sql.exec(query, ...bindings);
  }
}

export class RateLimiter extends DurableObject<Record<string, unknown>> {
  private readonly store: SqlCounterStore;
  private readonly counters: CounterSet;
  private alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Record<string, unknown>) {
    super(ctx, env);
    this.store = new SqlCounterStore(ctx.storage.sql);
    this.counters = new CounterSet(this.store);
    this.store.load(this.counters);
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  /** Decides one request (`want` 1, `leaseMs` 0) or grants a fast-mode lease of up to `want` admissions. */
  acquire(specs: CounterSpec[], want: number, leaseMs: number): Decision {
    const decision = this.counters.acquire(specs, want, leaseMs, Date.now());
    if (decision.allowed) this.scheduleCleanup();
    return decision;
  }

  /** Takes back admissions that were granted but not used. */
  refund(refund: Refund): void {
    this.counters.refund(refund);
  }

  quotas(): QuotaReading[] {
    return this.counters.quotaReadings(Date.now());
  }

  /** A key edit without `suppress_reset` starts its quotas afresh; rate windows stay, as they describe traffic already sent. */
  resetQuotas(): void {
    this.counters.resetQuotas();
  }

  /** Everything goes when the key is deleted. */
  async drop(): Promise<void> {
    this.counters.logs.clear();
    this.counters.quotas.clear();
    await this.clearStorage();
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    this.counters.expire(Date.now());
    if (this.counters.empty) await this.clearStorage();
    else this.scheduleCleanup();
  }

  private scheduleCleanup(): void {
    if (this.alarmAt !== null) return;
    const latest = this.counters.latestExpiry();
    if (latest === 0) return;
    const horizon = Date.now() + alarmHorizonMs;
    this.alarmAt = Number.isFinite(latest) ? Math.min(latest + alarmSlackMs, horizon) : horizon;
    void this.ctx.storage.setAlarm(this.alarmAt);
  }

  private async clearStorage(): Promise<void> {
    this.alarmAt = null;
    await this.ctx.storage.deleteAlarm();
    if (!this.store.initialised) return;
    await this.ctx.storage.deleteAll();
    this.store.forget();
  }
}
