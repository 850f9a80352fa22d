import { DurableObject } from "cloudflare:workers";
import { CounterSet, type CounterSpec, type Decision, type QuotaReading, type Refund } from "./counters";
import { SqlCounterStore, type StoreWrites } from "./sql-store";

/*
 * One RateLimiter object per limited identity: `key:<hashed key>` or
 * `api:<api id>`. Every decision for that identity happens here, in memory and
 * synchronously, so concurrent requests from any number of isolates are
 * serialised without locks. The counters stay in memory between requests and
 * are written to the object's SQLite storage group-committed (sql-store.ts):
 * the decisions taken while one commit is in flight share the next one. An
 * admission is answered only once it was written, and the runtime's output
 * gate holds the answer until the write is durable, so eviction or a redeploy
 * loses no admission. An alarm clears the object once everything in it has
 * expired.
 */

/** Slack after the last expiry before the alarm clears the object, so a busy identity is not cleared and rebuilt constantly. */
const alarmSlackMs = 60_000;
/**
 * The furthest ahead a cleanup alarm is set. A key may carry a window or quota period far beyond what an alarm can
 * hold (storage refuses dates after 2189): the alarm then fires early, finds the counters still live and is set again.
 */
const alarmHorizonMs = 30 * 24 * 3_600_000;

export class RateLimiter extends DurableObject<Record<string, unknown>> {
  private readonly store: SqlCounterStore;
  private readonly counters: CounterSet;
  private alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Record<string, unknown>) {
    super(ctx, env);
    this.store = new SqlCounterStore(ctx.storage.sql, () => ctx.storage.sync());
    this.counters = new CounterSet(this.store);
    this.store.load(this.counters);
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  /** Decides one request (`want` 1, `leaseMs` 0) or grants a fast-mode lease of up to `want` admissions. */
  async acquire(specs: CounterSpec[], want: number, leaseMs: number): Promise<Decision> {
    const decision = this.counters.acquire(specs, want, leaseMs, Date.now());
    // A refusal books nothing, so it needs no write; an admission is answered once it is stored.
    if (!decision.allowed) return decision;
    this.scheduleCleanup();
    await this.store.flushed();
    return decision;
  }

  /** Takes back admissions that were granted but not used; a lost refund only leaves capacity unused until its window passes. */
  refund(refund: Refund): Promise<void> {
    this.counters.refund(refund);
    return this.store.flushed();
  }

  /** Storage work so far, for tests and benches. */
  get storageWrites(): StoreWrites {
    return { ...this.store.writes };
  }

  quotas(): QuotaReading[] {
    return this.counters.quotaReadings(Date.now());
  }

  /** A key edit without `suppress_reset` starts its quotas afresh; rate windows stay, as they describe traffic already sent. */
  resetQuotas(): void {
    this.counters.resetQuotas();
    this.store.flushNow();
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
    this.store.flushNow();
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
    const stored = this.store.initialised;
    // Changes not yet written are dropped with the rest, before anything can write them.
    this.store.forget();
    await this.ctx.storage.deleteAlarm();
    if (stored) await this.ctx.storage.deleteAll();
  }
}
