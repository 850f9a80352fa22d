import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { CounterSpec } from "../../src/ratelimit/counters";
import type { StoreWrites } from "../../src/ratelimit/sql-store";

/*
 * The RateLimiter's storage: decisions are kept in memory and written in
 * batches, yet every admission that was answered survives a restart.
 */

const stubOf = (name: string) => env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(name));
const freshName = () => `storage:${crypto.randomUUID()}`;
const rate = (limit: number): CounterSpec => ({ id: "r:", kind: "rate", limit, windowMs: 60_000 });
const quota = (max: number): CounterSpec => ({ id: "q:", kind: "quota", max, renewalMs: 3_600_000 });

const writesOf = (name: string): Promise<StoreWrites> => runInDurableObject(stubOf(name), (instance) => instance.storageWrites);

/** What SQLite holds for the object right now: admissions in the rate log and quota units used. */
function stored(name: string): Promise<{ booked: number; used: number }> {
  return runInDurableObject(stubOf(name), (_instance, state) => {
    const sum = (query: string) => state.storage.sql.exec<{ n: number | null }>(query).one().n ?? 0;
    return { booked: sum("SELECT sum(n) AS n FROM rate_log"), used: sum("SELECT sum(used) AS n FROM quota") };
  });
}

async function decideAll(name: string, specs: CounterSpec[], count: number): Promise<number> {
  const stub = stubOf(name);
  const decisions = await Promise.all(Array.from({ length: count }, () => stub.acquire(specs, 1, 0)));
  return decisions.filter((decision) => decision.allowed).length;
}

describe("RateLimiter storage", () => {
  it("writes concurrent decisions in shared batches, far fewer writes than decisions", async () => {
    const name = freshName();
    expect(await decideAll(name, [rate(1e9), quota(1e12)], 64)).toBe(64);
    const writes = await writesOf(name);
    expect(writes.flushes).toBeGreaterThan(0);
    expect(writes.flushes).toBeLessThan(32);
    // Written one at a time this would be 128 statements (rate + quota each): a batch writes the quota once and
    // one rate row per distinct booking time, so fewer than one statement per decision.
    expect(writes.statements).toBeLessThan(64);
  });

  it("has stored every admission it answered by the time the answer arrives", async () => {
    const name = freshName();
    expect(await decideAll(name, [rate(100), quota(1000)], 20)).toBe(20);
    expect(await stored(name)).toEqual({ booked: 20, used: 20 });
    // A refusal books nothing and writes nothing.
    const before = await writesOf(name);
    expect(await decideAll(name, [rate(20), quota(1000)], 5)).toBe(0);
    expect(await writesOf(name)).toEqual(before);
  });

  it("keeps batched admissions across a restart: a rate limit and a quota resume where they were", async () => {
    const name = freshName();
    const specs = [rate(30), quota(50)];
    expect(await decideAll(name, specs, 25)).toBe(25);
    await evictDurableObject(stubOf(name));
    // 5 more fit the rate limit; nothing that was answered was forgotten.
    expect(await decideAll(name, specs, 20)).toBe(5);
    await evictDurableObject(stubOf(name));
    expect(await decideAll(name, [rate(1000), quota(50)], 40)).toBe(20);
    await evictDurableObject(stubOf(name));
    expect(await decideAll(name, [rate(1000), quota(50)], 5)).toBe(0);
    expect(await stored(name)).toEqual({ booked: 50, used: 50 });
  });

  it("writes refunds too, so handed-back admissions are free again after a restart", async () => {
    const name = freshName();
    const specs = [rate(10), quota(10)];
    const decision = await stubOf(name).acquire(specs, 8, 1000);
    expect(decision.granted).toBe(5);
    await stubOf(name).refund({ n: 3, bookedAt: decision.bookedAt, rateIds: ["r:"], quotaPeriods: decision.quotaPeriods });
    await evictDurableObject(stubOf(name));
    expect(await stored(name)).toEqual({ booked: 2, used: 2 });
    expect(await decideAll(name, specs, 10)).toBe(8);
  });
});
