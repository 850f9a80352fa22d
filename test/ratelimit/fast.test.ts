import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { loadApis } from "../support/gateway";
import { burst, countOf, gatewayWith, gatewayWithUpstream, keyHeader, keyedApi, limitedKey, sleep } from "./support";
import { busiestWindow } from "./windows";

/*
 * Fast mode: isolates spend admissions leased from the key's object and
 * return what they did not use. It must never admit more than exact mode would.
 */

interface Booked {
  rows: number;
  admissions: number;
  quotaUsed: number | null;
}

function booked(limiter: string): Promise<Booked> {
  return runInDurableObject(env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(limiter)), (_instance, state) => {
    const sql = state.storage.sql;
    const log = sql.exec<{ rows: number; admissions: number | null }>("SELECT count(*) AS rows, sum(n) AS admissions FROM rate_log").one();
    const quota = sql.exec<{ used: number }>("SELECT used FROM quota").toArray()[0];
    return { rows: log.rows, admissions: log.admissions ?? 0, quotaUsed: quota?.used ?? null };
  });
}

describe("fast mode", () => {
  const fast = gatewayWith({ PORTCULLIS_RATELIMIT_MODE: "fast" });

  beforeAll(async () => {
    await loadApis(keyedApi("fast-api"), keyedApi("fast-override", { rate_limit_mode: "fast" }), keyedApi("exact-override", { rate_limit_mode: "exact" }));
  });

  it("lets exactly `rate` of 64 concurrent requests through", async () => {
    const { key } = await limitedKey(["fast-api"], { rate: 10, per: 60 });
    const statuses = await burst(fast.send, "/fast-api/x", 64, { headers: keyHeader(key) });
    expect([countOf(statuses, 200), countOf(statuses, 429)]).toEqual([10, 54]);
  });

  it("lets exactly quota_max of 30 concurrent requests through", async () => {
    const { key } = await limitedKey(["fast-api"], { quota_max: 7, quota_renewal_rate: 3600 });
    const statuses = await burst(fast.send, "/fast-api/x", 30, { headers: keyHeader(key) });
    expect([countOf(statuses, 200), countOf(statuses, 403)]).toEqual([7, 23]);
  });

  it("books leases, not single requests, and returns what it did not spend", async () => {
    const { key, limiter } = await limitedKey(["fast-api"], { rate: 1000, per: 60, quota_max: 1000, quota_renewal_rate: 3600 });
    for (let i = 0; i < 40; i++) expect((await fast.send("/fast-api/x", { headers: keyHeader(key) })).status).toBe(200);
    expect((await booked(limiter)).rows).toBeLessThan(20);
    await fast.settle();
    expect(await booked(limiter)).toMatchObject({ admissions: 40, quotaUsed: 40 });
  });

  it("is the default when PORTCULLIS_RATELIMIT_MODE is unset", async () => {
    const unset = gatewayWith({ PORTCULLIS_RATELIMIT_MODE: undefined });
    const { key, limiter } = await limitedKey(["fast-api"], { rate: 1000, per: 60 });
    for (let i = 0; i < 20; i++) await unset.send("/fast-api/x", { headers: keyHeader(key) });
    expect((await booked(limiter)).rows).toBeLessThan(10);
    await unset.settle();
  });

  it("can be chosen per API with rate_limit_mode over a gateway-wide exact", async () => {
    const exactGateway = gatewayWith({ PORTCULLIS_RATELIMIT_MODE: "exact" });
    const { key, limiter } = await limitedKey(["fast-override"], { rate: 1000, per: 60 });
    for (let i = 0; i < 20; i++) await exactGateway.send("/fast-override/x", { headers: keyHeader(key) });
    expect((await booked(limiter)).rows).toBeLessThan(10);
    await exactGateway.settle();
  });

  it("gives way to rate_limit_mode: exact on an API", async () => {
    const { key, limiter } = await limitedKey(["exact-override"], { rate: 1000, per: 60 });
    for (let i = 0; i < 20; i++) await fast.send("/exact-override/x", { headers: keyHeader(key) });
    // Each request booked on its own, none leased ahead.
    expect((await booked(limiter)).admissions).toBe(20);
  });

  it("does not over-admit across isolates hammering one key", async () => {
    const { key } = await limitedKey(["fast-api"], { rate: 10, per: 1 });
    const admitted: number[] = [];
    const record = () => {
      admitted.push(Date.now());
      return new Response("ok");
    };
    // Two gateways with their own lease tables stand for two isolates.
    const isolates = [gatewayWithUpstream(record, { PORTCULLIS_RATELIMIT_MODE: "fast" }), gatewayWithUpstream(record, { PORTCULLIS_RATELIMIT_MODE: "fast" })];
    const deadline = Date.now() + 2500;
    await Promise.all(
      isolates.flatMap((send) =>
        Array.from({ length: 4 }, async () => {
          while (Date.now() < deadline) {
            await (await send("/fast-api/x", { headers: keyHeader(key) })).arrayBuffer();
            await sleep(5);
          }
        }),
      ),
    );
    expect(busiestWindow(admitted, 1000)).toBeLessThanOrEqual(10);
    expect(admitted.length).toBeGreaterThanOrEqual(15);
  });
});
