import { beforeAll, describe, expect, it } from "vitest";
import { loadApis } from "../support/gateway";
import { burst, countOf, errorOf, gatewayWith, keyHeader, keyedApi, limitedKey, sleep, withPaths } from "./support";

/*
 * Key rate limits and quotas through the gateway in exact mode (fast is the
 * default, see fast.test.ts): every request is decided by the key's
 * RateLimiter object, so admissions can be counted to the request; fast mode
 * may leave capacity idle in a lease (docs/rate-limits.md).
 */

const { send } = gatewayWith({ PORTCULLIS_RATELIMIT_MODE: "exact" });

describe("key rate limits (exact mode)", () => {
  beforeAll(async () => {
    await loadApis(
      keyedApi("rl-a"),
      keyedApi("rl-b"),
      keyedApi("rl-open", { disable_rate_limit: true }),
      keyedApi("rl-noquota", { disable_quota: true }),
      keyedApi("rl-ignoring", withPaths({ ignored: [{ path: "/public" }] })),
    );
  });

  it("lets exactly `rate` of 64 concurrent requests through and answers the rest 429 Rate Limit Exceeded", async () => {
    const { key } = await limitedKey(["rl-a"], { rate: 10, per: 60 });
    const statuses = await burst(send, "/rl-a/x", 64, { headers: keyHeader(key) });
    expect(countOf(statuses, 200)).toBe(10);
    expect(countOf(statuses, 429)).toBe(54);
    expect(await errorOf(await send("/rl-a/x", { headers: keyHeader(key) }))).toEqual({ status: 429, message: "Rate Limit Exceeded" });
  });

  it("counts sequential requests exactly", async () => {
    const { key } = await limitedKey(["rl-a"], { rate: 3, per: 60 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await send("/rl-a/x", { headers: keyHeader(key) })).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
  });

  it("slides the window: capacity returns as each admission leaves it, with no burst at a boundary", async () => {
    const { key } = await limitedKey(["rl-a"], { rate: 2, per: 1 });
    expect((await send("/rl-a/x", { headers: keyHeader(key) })).status).toBe(200);
    await sleep(500);
    expect((await send("/rl-a/x", { headers: keyHeader(key) })).status).toBe(200);
    expect((await send("/rl-a/x", { headers: keyHeader(key) })).status).toBe(429);
    // The first admission leaves the window ~1 s after it; the second is still inside, so only one slot frees.
    await sleep(600);
    expect(countOf(await burst(send, "/rl-a/x", 5, { headers: keyHeader(key) }), 200)).toBe(1);
  });

  it("does not count refused requests: a client that keeps sending recovers (Tyk #1876)", async () => {
    const { key } = await limitedKey(["rl-a"], { rate: 2, per: 1 });
    expect(countOf(await burst(send, "/rl-a/x", 2, { headers: keyHeader(key) }), 200)).toBe(2);
    // Keep knocking for most of the window; with a log that records refusals this would never let up.
    for (let i = 0; i < 7; i++) {
      expect((await send("/rl-a/x", { headers: keyHeader(key) })).status).toBe(429);
      await sleep(100);
    }
    await sleep(400);
    expect(countOf(await burst(send, "/rl-a/x", 4, { headers: keyHeader(key) }), 200)).toBe(2);
  });

  it.each([
    ["rate 0", { rate: 0, per: 60 }],
    ["rate -1", { rate: -1, per: 60 }],
    ["per 0", { rate: 1, per: 0 }],
  ])("treats %s as unlimited", async (_name, fields) => {
    const { key } = await limitedKey(["rl-a"], fields);
    expect(countOf(await burst(send, "/rl-a/x", 20, { headers: keyHeader(key) }), 200)).toBe(20);
  });

  it("skips the key's rate limit on an API with disable_rate_limit", async () => {
    const { key } = await limitedKey(["rl-open"], { rate: 1, per: 60 });
    expect(countOf(await burst(send, "/rl-open/x", 5, { headers: keyHeader(key) }), 200)).toBe(5);
  });

  it("skips limits on ignored paths, which need no key", async () => {
    const { key } = await limitedKey(["rl-ignoring"], { rate: 1, per: 60, quota_max: 1, quota_renewal_rate: 60 });
    expect((await send("/rl-ignoring/x", { headers: keyHeader(key) })).status).toBe(200);
    expect(countOf(await burst(send, "/rl-ignoring/public", 5, { headers: keyHeader(key) }), 200)).toBe(5);
    expect((await send("/rl-ignoring/x", { headers: keyHeader(key) })).status).toBe(429);
  });

  it("shares one key's session-level limit across the APIs it may call", async () => {
    const { key } = await limitedKey(["rl-a", "rl-b"], { rate: 4, per: 60 });
    expect(countOf(await burst(send, "/rl-a/x", 3, { headers: keyHeader(key) }), 200)).toBe(3);
    expect(countOf(await burst(send, "/rl-b/x", 3, { headers: keyHeader(key) }), 200)).toBe(1);
  });

  it("counts each key on its own", async () => {
    const first = await limitedKey(["rl-a"], { rate: 1, per: 60 });
    const second = await limitedKey(["rl-a"], { rate: 1, per: 60 });
    expect((await send("/rl-a/x", { headers: keyHeader(first.key) })).status).toBe(200);
    expect((await send("/rl-a/x", { headers: keyHeader(second.key) })).status).toBe(200);
    expect((await send("/rl-a/x", { headers: keyHeader(first.key) })).status).toBe(429);
  });

  describe("per-API limits (access_rights.<api>.limit)", () => {
    it("replace the session's limits on that API and count apart from other APIs", async () => {
      const rights = {
        "rl-a": { api_id: "rl-a", versions: ["Default"], limit: { rate: 2, per: 60 } },
        "rl-b": { api_id: "rl-b", versions: ["Default"], limit: { rate: 3, per: 60 } },
      };
      const { key } = await limitedKey([], { rate: 100, per: 60, access_rights: rights });
      expect(countOf(await burst(send, "/rl-a/x", 6, { headers: keyHeader(key) }), 200)).toBe(2);
      expect(countOf(await burst(send, "/rl-b/x", 6, { headers: keyHeader(key) }), 200)).toBe(3);
    });

    it("share a counter between APIs with the same allowance_scope", async () => {
      const rights = {
        "rl-a": { api_id: "rl-a", versions: ["Default"], allowance_scope: "shared", limit: { rate: 3, per: 60 } },
        "rl-b": { api_id: "rl-b", versions: ["Default"], allowance_scope: "shared", limit: { rate: 3, per: 60 } },
      };
      const { key } = await limitedKey([], { access_rights: rights });
      expect(countOf(await burst(send, "/rl-a/x", 2, { headers: keyHeader(key) }), 200)).toBe(2);
      expect(countOf(await burst(send, "/rl-b/x", 3, { headers: keyHeader(key) }), 200)).toBe(1);
    });

    it("apply a per-API quota", async () => {
      const rights = { "rl-a": { api_id: "rl-a", versions: ["Default"], limit: { quota_max: 2, quota_renewal_rate: 60 } } };
      const { key } = await limitedKey([], { quota_max: 100, quota_renewal_rate: 60, access_rights: rights });
      const statuses = await burst(send, "/rl-a/x", 5, { headers: keyHeader(key) });
      expect([countOf(statuses, 200), countOf(statuses, 403)]).toEqual([2, 3]);
    });
  });

  it("applies a key's endpoint rate limit (access_rights.<api>.endpoints) instead of its API rate on that endpoint", async () => {
    const rights = {
      "rl-a": {
        api_id: "rl-a",
        versions: ["Default"],
        endpoints: [{ path: "/slow", methods: [{ name: "GET", limit: { rate: 1, per: 60 } }] }],
      },
    };
    const { key } = await limitedKey([], { rate: 5, per: 60, access_rights: rights });
    expect(countOf(await burst(send, "/rl-a/slow", 4, { headers: keyHeader(key) }), 200)).toBe(1);
    expect(countOf(await burst(send, "/rl-a/slow", 2, { method: "POST", headers: keyHeader(key) }), 200)).toBe(2);
    expect(countOf(await burst(send, "/rl-a/other", 6, { headers: keyHeader(key) }), 200)).toBe(3);
  });
});

describe("quotas (exact mode)", () => {
  // A gateway of its own: it loads its config after this block's APIs exist.
  const { send } = gatewayWith({ PORTCULLIS_RATELIMIT_MODE: "exact" });

  beforeAll(async () => {
    await loadApis(keyedApi("qa"), keyedApi("qa-noquota", { disable_quota: true }));
  });

  it("lets exactly quota_max requests through, then answers 403 Quota exceeded", async () => {
    const { key } = await limitedKey(["qa"], { quota_max: 5, quota_renewal_rate: 3600 });
    const statuses = await burst(send, "/qa/x", 20, { headers: keyHeader(key) });
    expect([countOf(statuses, 200), countOf(statuses, 403)]).toEqual([5, 15]);
    expect(await errorOf(await send("/qa/x", { headers: keyHeader(key) }))).toEqual({ status: 403, message: "Quota exceeded" });
  });

  it("renews after quota_renewal_rate seconds", async () => {
    const { key } = await limitedKey(["qa"], { quota_max: 2, quota_renewal_rate: 1 });
    expect(countOf(await burst(send, "/qa/x", 4, { headers: keyHeader(key) }), 200)).toBe(2);
    await sleep(1100);
    expect(countOf(await burst(send, "/qa/x", 4, { headers: keyHeader(key) }), 200)).toBe(2);
  });

  it("never renews with quota_renewal_rate <= 0", async () => {
    const { key } = await limitedKey(["qa"], { quota_max: 2, quota_renewal_rate: 0 });
    expect(countOf(await burst(send, "/qa/x", 3, { headers: keyHeader(key) }), 200)).toBe(2);
    await sleep(1100);
    expect((await send("/qa/x", { headers: keyHeader(key) })).status).toBe(403);
  });

  it.each([0, -1])("treats quota_max %i as unlimited", async (quotaMax) => {
    const { key } = await limitedKey(["qa"], { quota_max: quotaMax, quota_renewal_rate: 60 });
    expect(countOf(await burst(send, "/qa/x", 20, { headers: keyHeader(key) }), 200)).toBe(20);
  });

  it("checks the rate limit first: a rate-limited request does not use quota", async () => {
    const { key } = await limitedKey(["qa"], { rate: 2, per: 1, quota_max: 4, quota_renewal_rate: 3600 });
    const first = await burst(send, "/qa/x", 10, { headers: keyHeader(key) });
    expect([countOf(first, 200), countOf(first, 429)]).toEqual([2, 8]);
    await sleep(1100);
    const second = await burst(send, "/qa/x", 10, { headers: keyHeader(key) });
    expect([countOf(second, 200), countOf(second, 429)]).toEqual([2, 8]);
    await sleep(1100);
    expect(await errorOf(await send("/qa/x", { headers: keyHeader(key) }))).toEqual({ status: 403, message: "Quota exceeded" });
  });

  it("skips the quota on an API with disable_quota", async () => {
    const { key } = await limitedKey(["qa-noquota"], { quota_max: 1, quota_renewal_rate: 60 });
    expect(countOf(await burst(send, "/qa-noquota/x", 4, { headers: keyHeader(key) }), 200)).toBe(4);
  });
});
