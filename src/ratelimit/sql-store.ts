import type { CounterSet, CounterStore, QuotaState } from "./counters";
import { SlidingLog } from "./sliding-log";

/*
 * The RateLimiter's SQLite storage, written behind the counters it mirrors.
 * The counters live in memory and decide; this store only has to make their
 * changes durable before an answer that depends on them leaves the object.
 * Writes are group-committed (`flushed()`): with no commit in flight, a
 * decision's changes are written at once; while one is in flight, the changes
 * of every decision taken meanwhile wait for it and are then written together,
 * one statement per changed counter and booking time, in one commit. Batches
 * thus grow with the commit's latency and add none at low load. An answer is
 * sent only after its changes were written, and the runtime's output gate
 * holds it until that commit is durable. Deleting expired rate rows is never
 * urgent (a restored log prunes them on first use), so it rides along at most
 * once a second.
 */

const schema = `
  CREATE TABLE IF NOT EXISTS rate_log (
    counter TEXT NOT NULL, at INTEGER NOT NULL, n INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    PRIMARY KEY (counter, at)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS quota (counter TEXT PRIMARY KEY, used INTEGER NOT NULL, renews_at INTEGER NOT NULL) WITHOUT ROWID;
`;

const pruneEveryMs = 1000;

/** Net change to the admissions booked at one time in one counter, not yet written. */
interface RateChange {
  n: number;
  expiresAt: number;
}

/** What the store has written so far, for tests and benches that count storage work. */
export interface StoreWrites {
  /** Batches written (each one commit). */
  flushes: number;
  /** SQL statements that changed rows. */
  statements: number;
}

export class SqlCounterStore implements CounterStore {
  private ready: boolean;
  private readonly rates = new Map<string, Map<number, RateChange>>();
  /** The latest state of each changed quota; null once deleted. */
  private readonly quotas = new Map<string, QuotaState | null>();
  /** Per counter, rows booked at or before this time may be deleted. */
  private readonly prunes = new Map<string, number>();
  private lastPruneAt = 0;
  private committing: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  readonly writes: StoreWrites = { flushes: 0, statements: 0 };

  constructor(
    private readonly sql: SqlStorage,
    private readonly sync: () => Promise<void>,
  ) {
    // Tables are made on the first write, so an object that is only read (or
    // reset) stores nothing at all.
    this.ready = sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'quota'").toArray().length > 0;
  }

  get initialised(): boolean {
    return this.ready;
  }

  /** After the object's storage was deleted: nothing written is left, and nothing pending should be. */
  forget(): void {
    this.ready = false;
    this.rates.clear();
    this.quotas.clear();
    this.prunes.clear();
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
    const change = this.rateChange(id, at);
    change.n += n;
    change.expiresAt = Math.max(change.expiresAt, expiresAt);
  }

  takeRate(id: string, at: number, n: number): void {
    this.rateChange(id, at).n -= n;
  }

  pruneRate(id: string, upTo: number): void {
    this.prunes.set(id, Math.max(this.prunes.get(id) ?? Number.NEGATIVE_INFINITY, upTo));
  }

  saveQuota(id: string, state: QuotaState): void {
    this.quotas.set(id, { ...state });
  }

  deleteQuota(id: string): void {
    this.quotas.set(id, null);
  }

  /**
   * Resolves once everything changed so far has been written (not yet
   * committed: the output gate holds any answer sent after this until the
   * commit is durable).
   */
  flushed(): Promise<void> {
    if (!this.committing) {
      this.flush(false);
      this.startCommit();
      return Promise.resolve();
    }
    this.next ??= this.committing.then(() => {
      this.next = null;
      this.flush(false);
      this.startCommit();
    });
    return this.next;
  }

  /** `sync()` resolves when the writes made so far are durable: the next batch waits for it. */
  private startCommit(): void {
    // A failed commit breaks the object: the runtime restarts it and never sends the answers the output gate held.
    const commit = this.sync()
      .catch(() => undefined)
      .finally(() => {
        if (this.committing === commit) this.committing = null;
      });
    this.committing = commit;
  }

  /** Writes everything now, expired rows included, in the caller's turn (admin operations and the alarm). */
  flushNow(): void {
    this.flush(true);
  }

  private flush(prune: boolean): void {
    const now = Date.now();
    const pruning = (prune || now - this.lastPruneAt >= pruneEveryMs) && this.prunes.size > 0;
    if (this.rates.size === 0 && this.quotas.size === 0 && !pruning) return;
    this.writes.flushes++;
    if (pruning) {
      this.lastPruneAt = now;
      for (const [id, upTo] of this.prunes) if (this.ready) this.exec("DELETE FROM rate_log WHERE counter = ? AND at <= ?", id, upTo);
      this.prunes.clear();
    }
    for (const [id, changes] of this.rates) {
      for (const [at, change] of changes) this.writeRate(id, at, change);
    }
    this.rates.clear();
    for (const [id, state] of this.quotas) {
      if (state) {
        this.write(
          "INSERT INTO quota (counter, used, renews_at) VALUES (?, ?, ?) ON CONFLICT (counter) DO UPDATE SET used = excluded.used, renews_at = excluded.renews_at",
          id,
          state.used,
          state.renewsAt,
        );
      } else if (this.ready) this.exec("DELETE FROM quota WHERE counter = ?", id);
    }
    this.quotas.clear();
  }

  private writeRate(id: string, at: number, change: RateChange): void {
    if (change.n > 0) {
      this.write(
        `INSERT INTO rate_log (counter, at, n, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (counter, at) DO UPDATE SET n = n + excluded.n, expires_at = max(expires_at, excluded.expires_at)`,
        id,
        at,
        change.n,
        change.expiresAt,
      );
    } else if (change.n < 0 && this.ready) {
      this.exec("UPDATE rate_log SET n = n + ? WHERE counter = ? AND at = ?", change.n, id, at);
      this.exec("DELETE FROM rate_log WHERE counter = ? AND at = ? AND n <= 0", id, at);
    }
  }

  private rateChange(id: string, at: number): RateChange {
    let changes = this.rates.get(id);
    if (!changes) {
      changes = new Map();
      this.rates.set(id, changes);
    }
    let change = changes.get(at);
    if (!change) {
      change = { n: 0, expiresAt: 0 };
      changes.set(at, change);
    }
    return change;
  }

  private write(query: string, ...bindings: (string | number)[]): void {
    if (!this.ready) {
      this.sql.exec(schema);
      this.ready = true;
    }
    this.exec(query, ...bindings);
  }

  private exec(query: string, ...bindings: (string | number)[]): void {
    this.writes.statements++;
    this.sql.exec(query, ...bindings);
  }
}
