import { env, evictDurableObject, listDurableObjectIds, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { generateKeyId, generateToken, hashKey } from "../../src/session/keys";
import { loadApis, store } from "../support/gateway";
import { adminHeaders, burst, countOf, gatewayWith, keyHeader, keyedApi, limitedKey, sleep } from "./support";

/* The RateLimiter objects themselves: durability, naming, clean-up. */

// Exact mode: each request is one booking, so the rows stored are known (fast mode's leases and refills vary with timing).
const { send } = gatewayWith({ PORTCULLIS_RATELIMIT_MODE: "exact" });
const stubOf = (name: string) => env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(name));

/** The tables in an object's SQLite storage, and the rows in each. */
function storedRows(name: string): Promise<Record<string, number>> {
  return runInDurableObject(stubOf(name), (_instance, state) => {
    const tables = state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%'").toArray();
    return Object.fromEntries(tables.map(({ name: table }) => [table, state.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).one().n]));
  });
}

describe("RateLimiter objects", () => {
  beforeAll(async () => {
    await loadApis(keyedApi("do-api"));
  });

  it("keep quota and rate counts across eviction", async () => {
    const { key, limiter } = await limitedKey(["do-api"], { rate: 3, per: 60, quota_max: 4, quota_renewal_rate: 3600 });
    expect(countOf(await burst(send, "/do-api/x", 2, { headers: keyHeader(key) }), 200)).toBe(2);
    await evictDurableObject(stubOf(limiter));
    // One more fits the rate limit (3 per 60 s), then it refuses: nothing was forgotten.
    const statuses = await burst(send, "/do-api/x", 3, { headers: keyHeader(key) });
    expect([countOf(statuses, 200), countOf(statuses, 429)]).toEqual([1, 2]);
    await sleep(10);
    await evictDurableObject(stubOf(limiter));
    expect(await storedRows(limiter)).toEqual({ rate_log: expect.any(Number), quota: 1 });
  });

  it("keep a quota that was used up across eviction", async () => {
    const { key, limiter } = await limitedKey(["do-api"], { quota_max: 2, quota_renewal_rate: 3600 });
    expect(countOf(await burst(send, "/do-api/x", 3, { headers: keyHeader(key) }), 200)).toBe(2);
    await evictDurableObject(stubOf(limiter));
    expect((await send("/do-api/x", { headers: keyHeader(key) })).status).toBe(403);
  });

  it("are named after the hashed key, never the raw key", async () => {
    const { key, hash } = await limitedKey(["do-api"], { rate: 5, per: 60 });
    await send("/do-api/x", { headers: keyHeader(key) });
    const ids = await listDurableObjectIds(env.RATE_LIMITER);
    expect(ids.some((id) => id.equals(env.RATE_LIMITER.idFromName(`key:${hash}`)))).toBe(true);
    expect(ids.some((id) => id.equals(env.RATE_LIMITER.idFromName(`key:${key}`)))).toBe(false);
  });

  it("hash the key for the object's name when key hashing is off", async () => {
    const { send: sendUnhashed } = gatewayWith({ TYK_GW_HASHKEYS: "false" });
    const key = generateToken("default", generateKeyId(), "sha256");
    await store().put("keys", key, { org_id: "default", rate: 5, per: 60, access_rights: { "do-api": { api_id: "do-api", versions: ["Default"] } } });
    expect((await sendUnhashed("/do-api/x", { headers: keyHeader(key) })).status).toBe(200);
    const ids = await listDurableObjectIds(env.RATE_LIMITER);
    const hashed = env.RATE_LIMITER.idFromName(`key:${await hashKey(key, "sha256")}`);
    expect(ids.some((id) => id.equals(hashed))).toBe(true);
    expect(ids.some((id) => id.equals(env.RATE_LIMITER.idFromName(`key:${key}`)))).toBe(false);
  });

  it("clear their storage with an alarm once every counter has expired", async () => {
    const { key, limiter } = await limitedKey(["do-api"], { rate: 5, per: 1, quota_max: 5, quota_renewal_rate: 1 });
    expect((await send("/do-api/x", { headers: keyHeader(key) })).status).toBe(200);
    // Early: nothing has expired yet, so the alarm keeps the counters and comes back later.
    expect(await runDurableObjectAlarm(stubOf(limiter))).toBe(true);
    expect(await storedRows(limiter)).toEqual({ rate_log: 1, quota: 1 });
    await sleep(1100);
    expect(await runDurableObjectAlarm(stubOf(limiter))).toBe(true);
    expect(await storedRows(limiter)).toEqual({});
    expect(await runDurableObjectAlarm(stubOf(limiter))).toBe(false);
  });

  it("keep a quota that never renews through the alarm", async () => {
    const { key, limiter } = await limitedKey(["do-api"], { rate: 5, per: 1, quota_max: 3, quota_renewal_rate: 0 });
    expect((await send("/do-api/x", { headers: keyHeader(key) })).status).toBe(200);
    await sleep(1100);
    expect(await runDurableObjectAlarm(stubOf(limiter))).toBe(true);
    expect(await storedRows(limiter)).toEqual({ rate_log: 0, quota: 1 });
    expect(countOf(await burst(send, "/do-api/x", 3, { headers: keyHeader(key) }), 200)).toBe(2);
  });

  it("set their clean-up alarm within a month even when a quota period reaches past what an alarm can hold", async () => {
    // A fuzzer found it: a renewal rate of 10^13 s put the alarm after 2189, which storage refuses.
    const { key, limiter } = await limitedKey(["do-api"], { quota_max: 5, quota_renewal_rate: 1e13 });
    expect((await send("/do-api/x", { headers: keyHeader(key) })).status).toBe(200);
    const alarm = await runInDurableObject(stubOf(limiter), (_instance, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now());
    expect(alarm).toBeLessThanOrEqual(Date.now() + 31 * 24 * 3_600_000);
    expect(await runDurableObjectAlarm(stubOf(limiter))).toBe(true);
    expect(await storedRows(limiter)).toEqual({ rate_log: 0, quota: 1 });
  });

  it("store nothing for an identity that was only looked at", async () => {
    const { hash, limiter } = await limitedKey(["do-api"], { quota_max: 5, quota_renewal_rate: 60 });
    const reply = await send(`/tyk/keys/${hash}?hashed=true`, { headers: adminHeaders });
    expect(reply.status).toBe(200);
    expect(await storedRows(limiter)).toEqual({});
  });
});
