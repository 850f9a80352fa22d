import { describe, expect, it } from "vitest";
import { CounterSet, type CounterStore, type QuotaSpec, type QuotaState, type RateSpec } from "../../src/ratelimit/counters";
import { SlidingLog } from "../../src/ratelimit/sliding-log";
import { busiestWindow } from "./windows";

/* The limiter's decision logic, on its own: sliding windows, quotas and leases. */

/** Keeps what the object would persist, so the tests can check storage stays in step. */
class MemoryStore implements CounterStore {
  readonly rates = new Map<string, Map<number, number>>();
  readonly quotas = new Map<string, QuotaState>();

  addRate(id: string, at: number, n: number): void {
    const log = this.rates.get(id) ?? new Map<number, number>();
    log.set(at, (log.get(at) ?? 0) + n);
    this.rates.set(id, log);
  }
  takeRate(id: string, at: number, n: number): void {
    const log = this.rates.get(id)!;
    const left = log.get(at)! - n;
    if (left > 0) log.set(at, left);
    else log.delete(at);
  }
  pruneRate(id: string, upTo: number): void {
    for (const at of [...(this.rates.get(id)?.keys() ?? [])]) if (at <= upTo) this.rates.get(id)!.delete(at);
  }
  saveQuota(id: string, state: QuotaState): void {
    this.quotas.set(id, { ...state });
  }
  deleteQuota(id: string): void {
    this.quotas.delete(id);
  }
  booked(id: string): number {
    return [...(this.rates.get(id)?.values() ?? [])].reduce((sum, n) => sum + n, 0);
  }
}

const rate = (limit: number, windowMs: number): RateSpec => ({ id: "r:", kind: "rate", limit, windowMs });
const quota = (max: number, renewalMs: number): QuotaSpec => ({ id: "q:", kind: "quota", max, renewalMs });

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe("SlidingLog", () => {
  it("keeps bookings sorted, merges equal times and prunes what left the window", () => {
    const log = new SlidingLog(100);
    log.add(50, 1);
    log.add(10, 2);
    log.add(50, 3);
    expect([log.total, log.nextFreeAt, log.expiresAt]).toEqual([6, 110, 150]);
    expect(log.prune(110)).toBe(true);
    expect([log.total, log.nextFreeAt]).toEqual([4, 150]);
    expect(log.remove(50, 10)).toBe(4);
    expect(log.empty).toBe(true);
  });
});

describe("CounterSet", () => {
  it("never admits more than `limit` in any window, whatever the arrival pattern", () => {
    const next = random(7);
    const counters = new CounterSet(new MemoryStore());
    const admitted: number[] = [];
    let now = 0;
    for (let i = 0; i < 5000; i++) {
      now += Math.floor(next() * 40);
      if (counters.acquire([rate(10, 1000)], 1, 0, now).allowed) admitted.push(now);
    }
    expect(busiestWindow(admitted, 1000)).toBe(10);
    expect(admitted.length).toBeGreaterThan(900);
  });

  it("has no boundary burst: admissions at the end of one second still count at the start of the next", () => {
    const counters = new CounterSet(new MemoryStore());
    for (let i = 0; i < 10; i++) expect(counters.acquire([rate(10, 1000)], 1, 0, 999).allowed).toBe(true);
    expect(counters.acquire([rate(10, 1000)], 1, 0, 1001).allowed).toBe(false);
    expect(counters.acquire([rate(10, 1000)], 1, 0, 1999).allowed).toBe(true);
  });

  it("consumes nothing for a refused request, and books nowhere when any counter refuses", () => {
    const store = new MemoryStore();
    const counters = new CounterSet(store);
    counters.acquire([rate(1, 1000)], 1, 0, 0);
    for (let i = 0; i < 50; i++) expect(counters.acquire([rate(1, 1000), quota(100, 0)], 1, 0, 500).blockedBy).toBe("r:");
    expect([store.booked("r:"), store.quotas.get("q:")]).toEqual([1, undefined]);
    expect(counters.acquire([rate(1, 1000)], 1, 0, 1000).allowed).toBe(true);
  });

  it("starts a quota period at the first admission and renews it after renewalMs", () => {
    const counters = new CounterSet(new MemoryStore());
    expect(counters.acquire([quota(2, 1000)], 1, 0, 5000).counters[0]).toMatchObject({ remaining: 1, resetAt: 6000 });
    counters.acquire([quota(2, 1000)], 1, 0, 5500);
    expect(counters.acquire([quota(2, 1000)], 1, 0, 5999)).toMatchObject({ allowed: false, blockedBy: "q:" });
    expect(counters.acquire([quota(2, 1000)], 1, 0, 6000).counters[0]).toMatchObject({ remaining: 1, resetAt: 7000 });
  });

  it("grants a lease of at most half what is left, booked at the end of the lease", () => {
    const store = new MemoryStore();
    const counters = new CounterSet(store);
    const lease = counters.acquire([rate(10, 1000)], 8, 100, 0);
    expect(lease).toMatchObject({ allowed: true, granted: 5, bookedAt: 100, leaseMs: 100 });
    expect(store.rates.get("r:")).toEqual(new Map([[100, 5]]));
    expect(counters.acquire([rate(10, 1000)], 8, 100, 0).granted).toBe(2);
  });

  it("never lets a lease outlive the quota period it was counted in", () => {
    const counters = new CounterSet(new MemoryStore());
    counters.acquire([quota(100, 1000)], 1, 0, 0);
    expect(counters.acquire([quota(100, 1000)], 8, 500, 800)).toMatchObject({ granted: 8, leaseMs: 199 });
    expect(counters.acquire([quota(100, 1000)], 8, 500, 999)).toMatchObject({ granted: 1, leaseMs: 0 });
  });

  it("takes back refunded admissions, but not into a quota period that has ended", () => {
    const store = new MemoryStore();
    const counters = new CounterSet(store);
    const lease = counters.acquire([rate(10, 10_000), quota(10, 1000)], 8, 100, 0);
    counters.refund({ n: 3, bookedAt: lease.bookedAt, rateIds: ["r:"], quotaPeriods: lease.quotaPeriods });
    expect([store.booked("r:"), store.quotas.get("q:")?.used]).toEqual([2, 2]);
    counters.acquire([quota(10, 1000)], 1, 0, 1000);
    counters.refund({ n: 2, bookedAt: lease.bookedAt, rateIds: [], quotaPeriods: lease.quotaPeriods });
    expect(store.quotas.get("q:")?.used).toBe(1);
  });

  it("does not over-admit when leaseholders spend their admissions any time before the lease ends", () => {
    const next = random(11);
    const counters = new CounterSet(new MemoryStore());
    const windowMs = 1000;
    const leaseMs = 100;
    const used: number[] = [];
    const holders = Array.from({ length: 5 }, () => ({ left: 0, until: 0 }));
    for (let now = 0; now < 20_000; now += 1 + Math.floor(next() * 5)) {
      const holder = holders[Math.floor(next() * holders.length)]!;
      if (holder.left > 0 && now < holder.until) {
        holder.left--;
        used.push(now);
        continue;
      }
      // Exact requests from elsewhere mix with the leases.
      const exact = next() < 0.2;
      const decision = counters.acquire([rate(20, windowMs)], exact ? 1 : 6, exact ? 0 : leaseMs, now);
      if (!decision.allowed) continue;
      used.push(now);
      if (!exact) Object.assign(holder, { left: decision.granted - 1, until: now + decision.leaseMs });
    }
    expect(busiestWindow(used, windowMs)).toBeLessThanOrEqual(20);
    expect(used.length).toBeGreaterThan(250);
  });

  it("expires what is over and reports when the rest will be", () => {
    const store = new MemoryStore();
    const counters = new CounterSet(store);
    counters.acquire([rate(5, 1000), quota(5, 2000)], 1, 0, 0);
    counters.acquire([{ ...quota(5, 0), id: "q:forever" }], 1, 0, 0);
    expect(counters.latestExpiry()).toBe(2000);
    counters.expire(1000);
    expect([counters.logs.size, counters.quotas.size, counters.latestExpiry()]).toEqual([0, 2, 2000]);
    counters.expire(2000);
    expect([...store.quotas.keys()]).toEqual(["q:forever"]);
    expect([counters.empty, counters.latestExpiry()]).toEqual([false, 0]);
  });
});
