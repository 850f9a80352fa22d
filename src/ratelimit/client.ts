import { isolateLogger } from "../lib/logger";
import type { WaitUntil } from "../lib/wait-until";
import type { LimitMode, LimitsSettings } from "./config";
import type { CounterSpec, Decision, QuotaReading, Refund } from "./counters";
import type { RateLimiter } from "./durable-object";
import type { EdgeCounter, EdgeLimits } from "./edge";
import { LeaseTable, poolKey, refundOf, safetyMarginMs, type Lease, type Pool } from "./leases";

/*
 * The isolate's way to the RateLimiter objects. Exact mode asks the object
 * for every request; fast mode spends leased admissions locally and goes back
 * to the object in the background (see leases.ts). A request a lease covers is
 * decided synchronously: no promise, no closure, no string built. Edge mode
 * counts rates on Cloudflare's Rate Limiting binding (see edge.ts) and the
 * rest in fast mode.
 */

/** One Durable Object and the counters a request books in it, worked out once and reused across requests. */
export interface LimitTarget {
  name: string;
  specs: CounterSpec[];
  /** The lease pool of this object and set of limits. */
  pool: string;
  /** A lease never spans more than a tenth of the shortest rate window, so capacity idling in leases costs at most ~10% of a saturated limit. */
  leaseCapMs: number;
}

export function limitTarget(name: string, specs: CounterSpec[]): LimitTarget {
  const shortestWindow = Math.min(...specs.map((spec) => (spec.kind === "rate" ? spec.windowMs : Number.POSITIVE_INFINITY)));
  return { name, specs, pool: poolKey(name, specs), leaseCapMs: Math.floor(shortestWindow / 10) };
}

export type Verdict =
  | {
      kind: "decided";
      decision: Decision;
      /** The lease the admission came from; null when the object decided this request alone. */
      lease: Lease | null;
      /** The object counting what can be handed back; null when nothing can (edge counts, repeated refusals). */
      booked: LimitTarget | null;
    }
  | { kind: "unavailable"; error: unknown };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const unavailable = (error: unknown): Verdict => ({ kind: "unavailable", error });
const maxLeaseAttempts = 8;
/** Below this a lease would be mostly safety margin: such limits are decided by the object. */
const minLeaseMs = 20;

interface EdgePlan {
  edge: EdgeCounter[];
  /** What the object still counts (quotas, rates without a binding), in fast mode. */
  rest: LimitTarget | null;
}

export class LimiterClient {
  private readonly leases = new LeaseTable();
  private readonly edgePlans = new WeakMap<LimitTarget, EdgePlan>();

  constructor(
    private readonly namespace: DurableObjectNamespace<RateLimiter> | undefined,
    private readonly settings: Pick<LimitsSettings, "timeoutMs" | "leaseMs">,
    private readonly edge: EdgeLimits,
  ) {}

  /** Synchronous when a lease covers the request (or a refusal is being repeated); a promise when the object must be asked. */
  decide(target: LimitTarget, mode: LimitMode, waitUntil: WaitUntil): Verdict | Promise<Verdict> {
    if (mode === "edge") {
      const plan = this.edgePlan(target);
      if (plan.edge.length > 0) return this.decideEdge(plan, waitUntil).catch(unavailable);
    }
    const leaseMs = mode === "exact" ? 0 : Math.min(this.settings.leaseMs, target.leaseCapMs);
    if (leaseMs < minLeaseMs) return this.decideExact(target).catch(unavailable);
    const pool = this.leases.pool(target.pool);
    return this.spendLocally(target, pool, leaseMs, waitUntil) ?? this.decideFast(target, pool, leaseMs, waitUntil).catch(unavailable);
  }

  /** Hands an admission back when another check refused the request. */
  release(verdict: Verdict): Promise<void> | undefined {
    if (verdict.kind !== "decided" || !verdict.decision.allowed || !verdict.booked) return undefined;
    const { lease, decision, booked } = verdict;
    if (!lease) return this.refund(booked.name, refundOf(decision, booked.specs, 1));
    if (!lease.settled) {
      lease.left++;
      return undefined;
    }
    return this.refund(booked.name, refundOf(lease, booked.specs, 1));
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
    return { kind: "decided", decision, lease: null, booked: target };
  }

  private edgePlan(target: LimitTarget): EdgePlan {
    let plan = this.edgePlans.get(target);
    if (!plan) {
      const { edge, rest } = this.edge.split(target.name, target.specs);
      plan = { edge, rest: rest.length > 0 ? limitTarget(target.name, rest) : null };
      this.edgePlans.set(target, plan);
    }
    return plan;
  }

  /**
   * The edge counts the rates while the object (fast mode) counts the rest.
   * An edge admission cannot be handed back, so when the object refuses, the
   * edge has still counted the request; when the edge refuses, the object's
   * admission is handed back.
   */
  private async decideEdge(plan: EdgePlan, waitUntil: WaitUntil): Promise<Verdict> {
    const rest = plan.rest ? this.decide(plan.rest, "fast", waitUntil) : null;
    let outcomes: { success: boolean }[];
    try {
      outcomes = await Promise.all(plan.edge.map((counter) => counter.binding.limit({ key: counter.key })));
    } catch (error) {
      const verdict = await rest;
      if (verdict) await this.release(verdict);
      return unavailable(error);
    }
    const now = Date.now();
    const refusedAt = outcomes.findIndex((outcome) => !outcome.success);
    const views = plan.edge.map((counter, index) => this.edge.view(counter, refusedAt === -1 || index < refusedAt, now));
    const verdict = await rest;
    if (verdict?.kind === "unavailable") return verdict;
    const counters = verdict ? [...views, ...verdict.decision.counters] : views;
    if (refusedAt !== -1) {
      if (verdict) await this.release(verdict);
      const blockedBy = plan.edge[refusedAt]!.spec.id;
      const decision: Decision = { allowed: false, blockedBy, granted: 0, bookedAt: 0, leaseMs: 0, quotaPeriods: {}, decidedAt: now, counters };
      return { kind: "decided", decision, lease: null, booked: null };
    }
    if (!verdict) {
      const decision: Decision = { allowed: true, blockedBy: null, granted: 1, bookedAt: now, leaseMs: 0, quotaPeriods: {}, decidedAt: now, counters };
      return { kind: "decided", decision, lease: null, booked: null };
    }
    return { ...verdict, decision: { ...verdict.decision, counters } };
  }

  /** Spends an admission the isolate holds, or repeats a recent refusal; null when the object must be asked. */
  private spendLocally(target: LimitTarget, pool: Pool, leaseMs: number, waitUntil: WaitUntil): Verdict | null {
    const now = Date.now();
    const lease = this.leases.take(pool, now);
    if (lease) {
      const available = this.leases.available(pool, now);
      if (!pool.fetching && available * 4 <= lease.granted) this.refill(target, pool, leaseMs, waitUntil);
      return { kind: "decided", decision: this.localDecision(pool, lease, now, available), lease, booked: target };
    }
    if (pool.last && !pool.last.allowed && now < pool.refusedUntil) return { kind: "decided", decision: pool.last, lease: null, booked: null };
    return null;
  }

  /**
   * Without a spendable lease, one request per pool asks the object for a
   * lease while the others wait for it, so a burst arriving at an empty pool
   * costs one round trip, not one each.
   */
  private async decideFast(target: LimitTarget, pool: Pool, leaseMs: number, waitUntil: WaitUntil): Promise<Verdict> {
    for (let attempt = 0; attempt < maxLeaseAttempts; attempt++) {
      await (pool.fetching ?? this.fetchLease(target, pool, leaseMs, waitUntil));
      const verdict = this.spendLocally(target, pool, leaseMs, waitUntil);
      if (verdict) return verdict;
    }
    // Others kept spending every lease first: decide this one on its own.
    return this.decideExact(target);
  }

  private localDecision(pool: Pool, lease: Lease, now: number, held: number): Decision {
    return {
      allowed: true,
      blockedBy: null,
      granted: 1,
      bookedAt: lease.bookedAt,
      leaseMs: 0,
      quotaPeriods: lease.quotaPeriods,
      decidedAt: now,
      counters: this.leases.views(pool, held),
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
