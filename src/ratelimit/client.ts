import { isolateLogger } from "../lib/logger";
import type { WaitUntil } from "../lib/wait-until";
import type { LimitMode, LimitsSettings } from "./config";
import type { CounterSpec, Decision, QuotaReading, Refund } from "./counters";
import type { RateLimiter } from "./durable-object";
import { LeaseTable, poolKey, refundOf, safetyMarginMs, type Lease, type Pool } from "./leases";

/*
 * The isolate's way to the RateLimiter objects. Exact mode asks the object
 * for every request; fast mode spends leased admissions locally and goes back
 * to the object in the background (see leases.ts).
 */

/** One Durable Object and the counters a request books in it. */
export interface LimitTarget {
  name: string;
  specs: CounterSpec[];
}

export type Verdict =
  | {
      kind: "decided";
      decision: Decision;
      /** Hands the admission back when another check refuses the request. */
      release: () => Promise<void>;
    }
  | { kind: "unavailable"; error: unknown };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nothing = () => Promise.resolve();
const maxLeaseAttempts = 8;

/** A lease never spans more than a tenth of a window, so capacity idling in leases costs at most ~10% of a saturated limit. */
function leaseLength(specs: CounterSpec[], maxLeaseMs: number): number {
  const shortestWindow = Math.min(...specs.map((spec) => (spec.kind === "rate" ? spec.windowMs : Number.POSITIVE_INFINITY)));
  return Math.min(maxLeaseMs, Math.floor(shortestWindow / 10));
}

export class LimiterClient {
  private readonly leases = new LeaseTable();

  constructor(
    private readonly namespace: DurableObjectNamespace<RateLimiter> | undefined,
    private readonly settings: Pick<LimitsSettings, "timeoutMs" | "leaseMs">,
  ) {}

  async decide(target: LimitTarget, mode: LimitMode, waitUntil: WaitUntil): Promise<Verdict> {
    const leaseMs = mode === "fast" ? leaseLength(target.specs, this.settings.leaseMs) : 0;
    try {
      return leaseMs >= 20 ? await this.decideFast(target, leaseMs, waitUntil) : await this.decideExact(target);
    } catch (error) {
      return { kind: "unavailable", error };
    }
  }

  quotas(name: string): Promise<QuotaReading[]> {
    return this.call(name, (stub) => stub.quotas());
  }

  resetQuotas(name: string): Promise<void> {
    return this.call(name, (stub) => stub.resetQuotas());
  }

  drop(name: string): Promise<void> {
    return this.call(name, (stub) => stub.drop());
  }

  private async decideExact(target: LimitTarget): Promise<Verdict> {
    const decision = await this.call(target.name, (stub) => stub.acquire(target.specs, 1, 0));
    return { kind: "decided", decision, release: () => this.refund(target.name, refundOf(decision, target.specs, 1)) };
  }

  /**
   * Spends a leased admission when the isolate holds one. Otherwise one
   * request per pool asks the object for a lease while the others wait for it,
   * so a burst arriving at an empty pool costs one round trip, not one each.
   */
  private async decideFast(target: LimitTarget, leaseMs: number, waitUntil: WaitUntil): Promise<Verdict> {
    const pool = this.leases.pool(poolKey(target.name, target.specs));
    for (let attempt = 0; attempt < maxLeaseAttempts; attempt++) {
      const now = Date.now();
      const lease = this.leases.take(pool, now);
      if (lease) {
        if (!pool.fetching && this.leases.available(pool, now) * 4 <= lease.granted) this.refill(target, pool, leaseMs, waitUntil);
        return { kind: "decided", decision: this.localDecision(pool, lease, now), release: () => this.giveBack(target, lease) };
      }
      if (pool.last && !pool.last.allowed && now < pool.refusedUntil) return { kind: "decided", decision: pool.last, release: nothing };
      await (pool.fetching ?? this.fetchLease(target, pool, leaseMs, waitUntil));
    }
    // Others kept spending every lease first: decide this one on its own.
    return this.decideExact(target);
  }

  private localDecision(pool: Pool, lease: Lease, now: number): Decision {
    return {
      allowed: true,
      blockedBy: null,
      granted: 1,
      bookedAt: lease.bookedAt,
      leaseMs: 0,
      quotaPeriods: lease.quotaPeriods,
      decidedAt: now,
      counters: this.leases.views(pool, now),
    };
  }

  private refill(target: LimitTarget, pool: Pool, leaseMs: number, waitUntil: WaitUntil): void {
    waitUntil(
      this.fetchLease(target, pool, leaseMs, waitUntil).catch((error) =>
        isolateLogger.error("rate limiter lease refill failed", { limiter: target.name, error }),
      ),
    );
  }

  private fetchLease(target: LimitTarget, pool: Pool, leaseMs: number, waitUntil: WaitUntil): Promise<void> {
    const fetching = this.lease(target, pool, leaseMs, waitUntil).finally(() => {
      if (pool.fetching === fetching) pool.fetching = null;
    });
    pool.fetching = fetching;
    return fetching;
  }

  /** Asks the object for a lease; on refusal, remembers it for at most one lease length. */
  private async lease(target: LimitTarget, pool: Pool, leaseMs: number, waitUntil: WaitUntil): Promise<void> {
    const sentAt = Date.now();
    const decision = await this.call(target.name, (stub) => stub.acquire(target.specs, pool.want, leaseMs));
    pool.last = decision;
    if (!decision.allowed) {
      const blocking = decision.counters.find((view) => view.id === decision.blockedBy);
      const freesIn = blocking && blocking.resetAt > 0 ? blocking.resetAt - decision.decidedAt : leaseMs;
      pool.refusedUntil = sentAt + Math.max(0, Math.min(freesIn, leaseMs));
      return;
    }
    const lease: Lease = {
      left: decision.granted,
      granted: decision.granted,
      deadline: sentAt + decision.leaseMs - safetyMarginMs(decision.leaseMs),
      bookedAt: decision.bookedAt,
      quotaPeriods: decision.quotaPeriods,
      settled: false,
    };
    this.leases.add(pool, lease);
    waitUntil(
      sleep(Math.max(0, lease.deadline - Date.now())).then(() => {
        const unused = this.leases.settle(pool, lease);
        return unused > 0 ? this.refund(target.name, refundOf(lease, target.specs, unused)) : undefined;
      }),
    );
  }

  private async giveBack(target: LimitTarget, lease: Lease): Promise<void> {
    if (lease.settled) await this.refund(target.name, refundOf(lease, target.specs, 1));
    else lease.left++;
  }

  private refund(name: string, refund: Refund): Promise<void> {
    return this.call(name, (stub) => stub.refund(refund)).catch((error) =>
      // A lost refund only leaves capacity unused until the window passes.
      isolateLogger.error("rate limiter refund failed", { limiter: name, error }),
    );
  }

  private async call<T>(name: string, run: (stub: DurableObjectStub<RateLimiter>) => Promise<T>): Promise<T> {
    if (!this.namespace) throw new Error("the RATE_LIMITER Durable Object binding is missing");
    const stub = this.namespace.get(this.namespace.idFromName(name));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.settings.timeoutMs} ms`)), this.settings.timeoutMs);
    });
    try {
      return await Promise.race([run(stub), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
