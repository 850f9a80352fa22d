import type { CounterSpec, CounterView, Decision, Refund } from "./counters";

/*
 * Fast mode's isolate side: admissions leased from a RateLimiter object and
 * spent locally. The object books a lease's admissions at the end of the
 * lease, and the isolate stops spending them before that moment (measured from
 * before it asked, so no clock agreement is needed). Every admission spent is
 * therefore counted by the object for at least its whole window, which is
 * why fast mode does not over-admit: its cost is capacity that sits unused in
 * a lease until it is returned.
 */

export interface Lease {
  left: number;
  granted: number;
  /** Isolate clock; no admission is spent at or after it. */
  deadline: number;
  bookedAt: number;
  quotaPeriods: Record<string, number>;
  /** Set once the lease is over and its unused admissions were handed back. */
  settled: boolean;
}

export interface Pool {
  leases: Lease[];
  /** How many admissions to ask for next; grows while leases run dry early, shrinks while they expire unused. */
  want: number;
  /** The lease request in flight, which requests finding the pool empty wait for. */
  fetching: Promise<void> | null;
  /** The object's last answer, for headers of locally decided requests. */
  last: Decision | null;
  /** A refusal the isolate repeats without asking, until this time (isolate clock). */
  refusedUntil: number;
}

const initialWant = 4;
const maxWant = 1024;
const maxPools = 10_000;

/** How long before the object's booking time the isolate stops spending: covers timer and clock coarseness. */
export function safetyMarginMs(leaseMs: number): number {
  return Math.max(10, Math.ceil(leaseMs * 0.05));
}

export function refundOf(lease: Pick<Lease, "bookedAt" | "quotaPeriods">, specs: CounterSpec[], n: number): Refund {
  return { n, bookedAt: lease.bookedAt, rateIds: specs.filter((spec) => spec.kind === "rate").map((spec) => spec.id), quotaPeriods: lease.quotaPeriods };
}

/** A pool per object and set of limits: a key whose limits change starts a new pool and the old one runs out. */
export function poolKey(name: string, specs: CounterSpec[]): string {
  return specs.reduce((key, spec) => `${key}|${spec.id}=${spec.kind === "rate" ? `${spec.limit}/${spec.windowMs}` : `${spec.max}/${spec.renewalMs}`}`, name);
}

export class LeaseTable {
  private readonly pools = new Map<string, Pool>();

  pool(key: string): Pool {
    let pool = this.pools.get(key);
    if (!pool) {
      if (this.pools.size >= maxPools) this.evictIdle();
      pool = { leases: [], want: initialWant, fetching: null, last: null, refusedUntil: 0 };
      this.pools.set(key, pool);
    }
    return pool;
  }

  /** Spends one admission from the pool's live leases, oldest first. */
  take(pool: Pool, now: number): Lease | null {
    for (const lease of pool.leases) {
      if (lease.left === 0 || now >= lease.deadline) continue;
      lease.left--;
      if (lease.left === 0) pool.want = Math.min(maxWant, pool.want * 2);
      return lease;
    }
    return null;
  }

  /** Admissions still spendable in the pool. */
  available(pool: Pool, now: number): number {
    let sum = 0;
    for (const lease of pool.leases) if (now < lease.deadline) sum += lease.left;
    return sum;
  }

  add(pool: Pool, lease: Lease): void {
    pool.leases.push(lease);
  }

  /** Ends a lease at its deadline; returns the admissions to hand back. */
  settle(pool: Pool, lease: Lease): number {
    lease.settled = true;
    pool.leases = pool.leases.filter((candidate) => candidate !== lease);
    if (lease.left * 2 > lease.granted) pool.want = Math.max(2, Math.ceil(pool.want / 2));
    const unused = lease.left;
    lease.left = 0;
    return unused;
  }

  /** Local estimate for headers: the object's last view plus what this isolate still holds. */
  views(pool: Pool, held: number): CounterView[] {
    return (pool.last?.counters ?? []).map((view) => ({ ...view, remaining: view.remaining + held }));
  }

  private evictIdle(): void {
    for (const [key, pool] of this.pools) {
      if (pool.leases.length === 0 && !pool.fetching) this.pools.delete(key);
    }
  }
}
