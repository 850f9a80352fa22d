import { beforeAll, describe, expect, it } from "vitest";
import { loadApis } from "../support/gateway";
import { burst, countOf, errorOf, gatewayWith, keyHeader, keyedApi, limitedKey, openApi, withPaths } from "./support";

/* API-level limits: global_rate_limit and extended_paths.rate_limit, across every caller of the API. */

// Exact mode: these tests count admissions to the request; fast mode may leave capacity idle in a lease (docs/rate-limits.md).
const { send } = gatewayWith({ PORTCULLIS_RATELIMIT_MODE: "exact" });

describe("API-level limits", () => {
  beforeAll(async () => {
    await loadApis(
      openApi("g-open", { global_rate_limit: { rate: 3, per: 60 } }),
      openApi("g-disabled", { global_rate_limit: { rate: 1, per: 60, disabled: true } }),
      openApi("g-switched-off", { global_rate_limit: { rate: 1, per: 60 }, disable_rate_limit: true }),
      openApi("g-endpoints", {
        global_rate_limit: { rate: 4, per: 60 },
        ...withPaths({
          rate_limit: [
            { path: "/slow", method: "GET", rate: 1, per: 60 },
            { path: "/off", method: "GET", rate: 1, per: 60, disabled: true },
          ],
        }),
      }),
      keyedApi("g-keyed", { global_rate_limit: { rate: 2, per: 60 } }),
      keyedApi("g-plain"),
      keyedApi("g-keyed-wide", { global_rate_limit: { rate: 3, per: 60 } }),
    );
  });

  it("lets exactly `rate` requests from any callers through, then answers 429 API Rate Limit Exceeded", async () => {
    const statuses = await burst(send, "/g-open/x", 12);
    expect([countOf(statuses, 200), countOf(statuses, 429)]).toEqual([3, 9]);
    expect(await errorOf(await send("/g-open/x"))).toEqual({ status: 429, message: "API Rate Limit Exceeded" });
  });

  it("ignores a disabled global limit and every limit of an API with disable_rate_limit", async () => {
    expect(countOf(await burst(send, "/g-disabled/x", 5), 200)).toBe(5);
    expect(countOf(await burst(send, "/g-switched-off/x", 5), 200)).toBe(5);
  });

  it("counts a rate_limit endpoint on its own counter; other paths and methods use the global limit", async () => {
    expect(countOf(await burst(send, "/g-endpoints/slow", 3), 200)).toBe(1);
    expect(countOf(await burst(send, "/g-endpoints/slow", 2, { method: "POST" }), 200)).toBe(2);
    // A disabled entry falls through to the global limit, which POST /slow already used twice.
    expect(countOf(await burst(send, "/g-endpoints/off", 4), 200)).toBe(2);
  });

  it("does not use the key's allowance for a request the API limit refuses", async () => {
    const { key } = await limitedKey(["g-keyed", "g-plain"], { rate: 5, per: 60 });
    const statuses = await burst(send, "/g-keyed/x", 5, { headers: keyHeader(key) });
    expect([countOf(statuses, 200), countOf(statuses, 429)]).toEqual([2, 3]);
    // The key spent 2 of its 5; the 3 refused by the API limit were handed back.
    expect(countOf(await burst(send, "/g-plain/x", 5, { headers: keyHeader(key) }), 200)).toBe(3);
  });

  it("does not use the API's allowance for a request the key's limit refuses", async () => {
    const slow = await limitedKey(["g-keyed-wide"], { rate: 1, per: 60 });
    const other = await limitedKey(["g-keyed-wide"], {});
    const refused = await burst(send, "/g-keyed-wide/x", 3, { headers: keyHeader(slow.key) });
    expect([countOf(refused, 200), countOf(refused, 429)]).toEqual([1, 2]);
    expect(await errorOf(await send("/g-keyed-wide/x", { headers: keyHeader(slow.key) }))).toEqual({ status: 429, message: "Rate Limit Exceeded" });
    expect(countOf(await burst(send, "/g-keyed-wide/x", 4, { headers: keyHeader(other.key) }), 200)).toBe(2);
  });
});
