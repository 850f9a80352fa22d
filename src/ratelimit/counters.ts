import { SlidingLog } from "./sliding-log";

/*
 * The counters of one limited identity (a key or an API) and the decision the
 * Durable Object takes over them. Rate limits are sliding logs; quotas count
 * admissions per renewal period. One decision covers every counter a request
 * touches, so it is atomic: either each counter books the admission or none does,
 * and a rejected request consumes nothing (unlike Tyk's rolling limiter, issue #1876).
 */

export interface RateSpec {
  id: string;
  kind: "rate";
  /** Admissions allowed in any window of `windowMs`. */
  limit: number;
  windowMs: number;
}

export interface QuotaSpec {
  id: string;
  kind: "quota";
  max: number;
  /** Length of a quota period; 0 means the quota never renews. */
  renewalMs: number;
}

export type CounterSpec = RateSpec | QuotaSpec;

export interface CounterView {
  id: string;
  kind: CounterSpec["kind"];
  limit: number;
  remaining: number;
  /** Epoch ms when the counter frees capacity again; 0 when it never does. */
  resetAt: number;
  /** The window of a rate limit or the period of a quota; 0 for a quota that never renews. */
  windowMs: number;
}

export interface Decision {
  allowed: boolean;
  /** The counter that refused the request (rate counters are checked before quotas). */
  blockedBy: string | null;
  /** Admissions booked: 1, or more for a fast-mode lease. */
  granted: number;
  /** Time the admissions were booked at, needed to take them back. */
  bookedAt: number;
  /** How long the granted admissions may be used for, from the moment the request was sent. */
  leaseMs: number;
  /** The quota period each quota counter booked into (its renewal time), needed to take them back. */
  quotaPeriods: Record<string, number>;
  /** The Durable Object's clock when it decided; `resetAt` values are on this clock. */
  decidedAt: number;
  counters: CounterView[];
}

export interface Refund {
  n: number;
  bookedAt: number;
  rateIds: string[];
  quotaPeriods: Record<string, number>;
}

export interface QuotaState {
  used: number;
  /** Epoch ms the period ends; 0 before the first admission of a renewing quota, and always for one that never renews. */
  renewsAt: number;
}

export interface QuotaReading {
  id: string;
  used: number;
  renewsAt: number;
}

/** Where the counters persist; the Durable Object backs this with SQLite. */
export interface CounterStore {
  addRate(id: string, at: number, n: number, expiresAt: number): void;
  takeRate(id: string, at: number, n: number): void;
  pruneRate(id: string, upTo: number): void;
  saveQuota(id: string, state: QuotaState): void;
  deleteQuota(id: string): void;
}

const expired = (state: QuotaState, now: number) => state.renewsAt > 0 && now >= state.renewsAt;

export class CounterSet {
  readonly logs = new Map<string, SlidingLog>();
  readonly quotas = new Map<string, QuotaState>();

  constructor(private readonly store: CounterStore) {}

  get empty(): boolean {
    return this.logs.size === 0 && this.quotas.size === 0;
  }

  /** When the last piece of state expires (epoch ms); 0 when nothing does (only never-renewing quotas). */
  latestExpiry(): number {
    let latest = 0;
    for (const log of this.logs.values()) latest = Math.max(latest, log.expiresAt ?? 0);
    for (const state of this.quotas.values()) latest = Math.max(latest, state.renewsAt);
    return latest;
  }

  /**
   * Books `want` admissions (at least one, at most half of what is left once
   * more than one is wanted, so concurrent leases share) in every counter, or
   * none. With `leaseMs` > 0 they are booked at `now + leaseMs`, the latest
   * moment a leaseholder may use them.
   */
  acquire(specs: CounterSpec[], want: number, leaseMs: number, now: number): Decision {
    let available = Number.POSITIVE_INFINITY;
    let leaseCap = leaseMs;
    for (const spec of specs) {
      if (spec.kind === "rate") {
        const left = spec.limit - this.log(spec, now).total;
        if (left <= 0) return this.refusal(specs, spec.id, now);
        available = Math.min(available, left);
        continue;
      }
      const state = this.quota(spec, now);
      if (spec.max - state.used <= 0) return this.refusal(specs, spec.id, now);
      available = Math.min(available, spec.max - state.used);
      // A leased quota unit must be used inside the period it was counted in.
      if (state.renewsAt > 0) leaseCap = Math.min(leaseCap, state.renewsAt - now - 1);
    }
    const lease = want > 1 ? Math.max(0, leaseCap) : 0;
    const granted = lease > 0 ? Math.min(want, Math.max(1, Math.floor(available / 2))) : 1;
    const bookedAt = now + lease;
    const quotaPeriods: Record<string, number> = {};
    for (const spec of specs) {
      if (spec.kind === "rate") {
        this.log(spec, now).add(bookedAt, granted);
        this.store.addRate(spec.id, bookedAt, granted, bookedAt + spec.windowMs);
        continue;
      }
      const state = this.quota(spec, now);
      if (state.renewsAt === 0 && spec.renewalMs > 0) state.renewsAt = now + spec.renewalMs;
      state.used += granted;
      quotaPeriods[spec.id] = state.renewsAt;
      this.quotas.set(spec.id, state);
      this.store.saveQuota(spec.id, state);
    }
    return { allowed: true, blockedBy: null, granted, bookedAt, leaseMs: lease, quotaPeriods, decidedAt: now, counters: this.views(specs, now) };
  }

  refund(refund: Refund): void {
    for (const id of refund.rateIds) {
      const taken = this.logs.get(id)?.remove(refund.bookedAt, refund.n) ?? 0;
      if (taken > 0) this.store.takeRate(id, refund.bookedAt, taken);
    }
    for (const [id, period] of Object.entries(refund.quotaPeriods)) {
      const state = this.quotas.get(id);
      if (!state || state.renewsAt !== period) continue;
      state.used = Math.max(0, state.used - refund.n);
      this.store.saveQuota(id, state);
    }
  }

  quotaReadings(now: number): QuotaReading[] {
    return [...this.quotas].map(([id, state]) => (expired(state, now) ? { id, used: 0, renewsAt: 0 } : { id, ...state }));
  }

  resetQuotas(): void {
    for (const id of this.quotas.keys()) this.store.deleteQuota(id);
    this.quotas.clear();
  }

  /** Drops everything that has expired: admissions out of their window, quota periods that ended. */
  expire(now: number): void {
    for (const [id, log] of this.logs) {
      if (log.prune(now)) this.store.pruneRate(id, now - log.windowMs);
      if (log.empty) this.logs.delete(id);
    }
    for (const [id, state] of this.quotas) {
      if (!expired(state, now)) continue;
      this.quotas.delete(id);
      this.store.deleteQuota(id);
    }
  }

  private log(spec: RateSpec, now: number): SlidingLog {
    let log = this.logs.get(spec.id);
    if (!log) {
      log = new SlidingLog(spec.windowMs);
      this.logs.set(spec.id, log);
    }
    log.windowMs = spec.windowMs;
    if (log.prune(now)) this.store.pruneRate(spec.id, now - spec.windowMs);
    return log;
  }

  /** The live state of a quota; a fresh one (not yet stored) when it has none or its period ended. */
  private quota(spec: QuotaSpec, now: number): QuotaState {
    const state = this.quotas.get(spec.id);
    return state && !expired(state, now) ? state : { used: 0, renewsAt: 0 };
  }

  private refusal(specs: CounterSpec[], blockedBy: string, now: number): Decision {
    return { allowed: false, blockedBy, granted: 0, bookedAt: 0, leaseMs: 0, quotaPeriods: {}, decidedAt: now, counters: this.views(specs, now) };
  }

  private views(specs: CounterSpec[], now: number): CounterView[] {
    return specs.map((spec) => {
      if (spec.kind === "rate") {
        const log = this.log(spec, now);
        const remaining = Math.max(0, spec.limit - log.total);
        return { id: spec.id, kind: spec.kind, limit: spec.limit, remaining, resetAt: log.nextFreeAt ?? now, windowMs: spec.windowMs };
      }
      const state = this.quota(spec, now);
      const remaining = Math.max(0, spec.max - state.used);
      return { id: spec.id, kind: spec.kind, limit: spec.max, remaining, resetAt: state.renewsAt, windowMs: spec.renewalMs };
    });
  }
}
