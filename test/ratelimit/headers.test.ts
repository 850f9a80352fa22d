import { beforeAll, describe, expect, it } from "vitest";
import { gateway, loadApis, upstreamUrl } from "../support/gateway";
import { gatewayWith, gatewayWithUpstream, keyHeader, keyedApi, limitedKey, openApi } from "./support";

/* X-RateLimit-* in Tyk's two modes, and the opt-in Retry-After and IETF RateLimit headers. */

const headersOf = (response: Response, names: string[]) => Object.fromEntries(names.map((name) => [name, response.headers.get(name)]));
const tykNames = ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"];

describe("rate limit headers", () => {
  beforeAll(async () => {
    // Exact mode: every request's headers are the object's own counts (fast mode's are estimates).
    await loadApis(keyedApi("h-api", { rate_limit_mode: "exact" }), openApi("h-global", { global_rate_limit: { rate: 2, per: 10 }, rate_limit_mode: "exact" }));
  });

  describe("Tyk's default (quotas)", () => {
    it("reports the quota on successful responses: limit, remaining after this request, renewal as a Unix time", async () => {
      const { key } = await limitedKey(["h-api"], { rate: 100, per: 60, quota_max: 2, quota_renewal_rate: 3600 });
      const before = Math.floor(Date.now() / 1000);
      const first = await gateway("/h-api/x", { headers: keyHeader(key) });
      expect(headersOf(first, tykNames.slice(0, 2))).toEqual({ "x-ratelimit-limit": "2", "x-ratelimit-remaining": "1" });
      const reset = Number(first.headers.get("x-ratelimit-reset"));
      expect(reset).toBeGreaterThanOrEqual(before + 3600);
      expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 3600);
      const second = await gateway("/h-api/x", { headers: keyHeader(key) });
      expect(second.headers.get("x-ratelimit-remaining")).toBe("0");
      const refused = await gateway("/h-api/x", { headers: keyHeader(key) });
      expect(refused.status).toBe(403);
      expect(headersOf(refused, tykNames)).toEqual({ "x-ratelimit-limit": null, "x-ratelimit-remaining": null, "x-ratelimit-reset": null });
    });

    it("sends no X-RateLimit headers and no Retry-After when the key has no quota", async () => {
      const { key } = await limitedKey(["h-api"], { rate: 1, per: 60 });
      const ok = await gateway("/h-api/x", { headers: keyHeader(key) });
      expect(ok.headers.get("x-ratelimit-limit")).toBeNull();
      const refused = await gateway("/h-api/x", { headers: keyHeader(key) });
      expect(refused.status).toBe(429);
      expect(refused.headers.get("x-ratelimit-limit")).toBeNull();
      expect(refused.headers.get("retry-after")).toBeNull();
    });

    it("replaces the upstream's X-RateLimit headers with the gateway's", async () => {
      const send = gatewayWithUpstream(() => new Response("ok", { headers: { "x-ratelimit-limit": "999", "x-ratelimit-remaining": "998" } }));
      const { key } = await limitedKey(["h-api"], { quota_max: 5, quota_renewal_rate: 60 });
      const response = await send("/h-api/x", { headers: keyHeader(key) });
      expect(headersOf(response, tykNames.slice(0, 2))).toEqual({ "x-ratelimit-limit": "5", "x-ratelimit-remaining": "4" });
    });

    it("drops the upstream's X-RateLimit headers when it has none of its own to send", async () => {
      const send = gatewayWithUpstream(() => new Response("ok", { headers: { "x-ratelimit-limit": "999", "x-ratelimit-reset": "1" } }));
      const { key } = await limitedKey(["h-api"], { rate: 100, per: 60 });
      const response = await send("/h-api/x", { headers: keyHeader(key) });
      expect(response.status).toBe(200);
      expect(headersOf(response, tykNames)).toEqual({ "x-ratelimit-limit": null, "x-ratelimit-remaining": null, "x-ratelimit-reset": null });
    });

    it("adds its headers to an upstream response whose headers are immutable", async () => {
      const send = gatewayWithUpstream(() => fetch(`${upstreamUrl()}/status/201`));
      const { key } = await limitedKey(["h-api"], { quota_max: 5, quota_renewal_rate: 60 });
      const response = await send("/h-api/x", { headers: keyHeader(key) });
      expect(response.status).toBe(201);
      expect(response.headers.get("x-upstream")).toBe("echo");
      expect(response.headers.get("x-ratelimit-remaining")).toBe("4");
    });
  });

  describe("rate_limits mode (TYK_GW_RATELIMITRESPONSEHEADERS=rate_limits)", () => {
    const { send } = gatewayWith({ TYK_GW_RATELIMITRESPONSEHEADERS: "rate_limits" });

    it("reports the key's rate limit on every checked request, 429s included", async () => {
      const { key } = await limitedKey(["h-api"], { rate: 2, per: 10, quota_max: 50, quota_renewal_rate: 60 });
      const before = Math.floor(Date.now() / 1000);
      const first = await send("/h-api/x", { headers: keyHeader(key) });
      expect(headersOf(first, tykNames.slice(0, 2))).toEqual({ "x-ratelimit-limit": "2", "x-ratelimit-remaining": "1" });
      expect(Number(first.headers.get("x-ratelimit-reset"))).toBeGreaterThanOrEqual(before + 10);
      expect((await send("/h-api/x", { headers: keyHeader(key) })).headers.get("x-ratelimit-remaining")).toBe("0");
      const refused = await send("/h-api/x", { headers: keyHeader(key) });
      expect(refused.status).toBe(429);
      expect(headersOf(refused, tykNames.slice(0, 2))).toEqual({ "x-ratelimit-limit": "2", "x-ratelimit-remaining": "0" });
      expect(Number(refused.headers.get("x-ratelimit-reset"))).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 10);
    });

    it("reports the API's limit when the key has none", async () => {
      const response = await send("/h-global/x");
      expect(response.headers.get("x-ratelimit-limit")).toBe("2");
    });
  });

  describe("opt-in headers beyond Tyk", () => {
    const { send } = gatewayWith({ PORTCULLIS_RATELIMIT_RETRY_AFTER: "true", PORTCULLIS_RATELIMIT_IETF_HEADERS: "true" });

    it("adds Retry-After to 429 and quota 403 answers", async () => {
      const { key } = await limitedKey(["h-api"], { rate: 1, per: 30 });
      await send("/h-api/x", { headers: keyHeader(key) });
      const limited = await send("/h-api/x", { headers: keyHeader(key) });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(29);
      expect(Number(limited.headers.get("retry-after"))).toBeLessThanOrEqual(30);

      const quota = await limitedKey(["h-api"], { quota_max: 1, quota_renewal_rate: 120 });
      await send("/h-api/x", { headers: keyHeader(quota.key) });
      const exceeded = await send("/h-api/x", { headers: keyHeader(quota.key) });
      expect(exceeded.status).toBe(403);
      expect(Number(exceeded.headers.get("retry-after"))).toBeGreaterThanOrEqual(119);
    });

    it("sends no Retry-After for a quota that never renews", async () => {
      const { key } = await limitedKey(["h-api"], { quota_max: 1, quota_renewal_rate: 0 });
      await send("/h-api/x", { headers: keyHeader(key) });
      const exceeded = await send("/h-api/x", { headers: keyHeader(key) });
      expect(exceeded.status).toBe(403);
      expect(exceeded.headers.get("retry-after")).toBeNull();
    });

    it("describes every limit checked in RateLimit-Policy and RateLimit", async () => {
      const { key } = await limitedKey(["h-api"], { rate: 5, per: 10, quota_max: 100, quota_renewal_rate: 3600 });
      const response = await send("/h-api/x", { headers: keyHeader(key) });
      expect(response.headers.get("ratelimit-policy")).toBe('"rate";q=5;w=10, "quota";q=100;w=3600');
      expect(response.headers.get("ratelimit")).toMatch(/^"rate";r=4;t=(9|10), "quota";r=99;t=(3599|3600)$/);
    });

    it("names the API-wide limit apart from the key's", async () => {
      const response = await send("/h-global/x");
      expect(response.headers.get("ratelimit-policy")).toBe('"api";q=2;w=10');
    });
  });
});
