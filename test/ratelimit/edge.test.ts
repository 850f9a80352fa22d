import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { messages } from "../../src/lib/tyk-error";
import { loadApis } from "../support/gateway";
import { errorOf, gatewayWith, keyHeader, keyedApi, limitedKey, openApi, sleep } from "./support";

/*
 * Edge mode: rates with a Rate Limiting binding declared for them
 * (vitest.config.ts: EDGE_RATE_LIMIT_5_PER_10, EDGE_RATE_LIMIT_3_PER_60) are
 * counted by the binding; quotas and other rates stay with the object.
 * Miniflare's binding counts in windows aligned to the wall clock, so each
 * test starts well inside one.
 */

async function insideOneWindow(seconds: number, needMs = 3000): Promise<void> {
  const windowMs = seconds * 1000;
  const left = windowMs - (Date.now() % windowMs);
  if (left < needMs) await sleep(left + 50);
}

function rateRows(limiter: string): Promise<number> {
  return runInDurableObject(env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(limiter)), (_instance, state) => {
    const tables = state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE name = 'rate_log'").toArray();
    return tables.length === 0 ? 0 : state.storage.sql.exec<{ rows: number }>("SELECT count(*) AS rows FROM rate_log").one().rows;
  });
}

const edgeWarnings = (warn: { mock: { calls: unknown[][] } }) =>
  warn.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>).filter((line) => String(line["message"]).startsWith("edge rate limit"));

describe("edge mode", () => {
  const edge = gatewayWith({});

  beforeAll(async () => {
    await loadApis(
      keyedApi("edge-api", { rate_limit_mode: "edge" }),
      openApi("edge-global", { rate_limit_mode: "edge", global_rate_limit: { rate: 3, per: 60 } }),
    );
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("counts a key's rate on the binding declared for it, not in the key's object", async () => {
    await insideOneWindow(10);
    const { key, limiter } = await limitedKey(["edge-api"], { rate: 5, per: 10 });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await edge.send("/edge-api/x", { headers: keyHeader(key) })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(await errorOf(await edge.send("/edge-api/x", { headers: keyHeader(key) }))).toEqual({ status: 429, message: messages.rateLimited });
    await edge.settle();
    expect(await rateRows(limiter)).toBe(0);
  });

  it("keeps quotas in the key's object", async () => {
    await insideOneWindow(60);
    const { key } = await limitedKey(["edge-api"], { rate: 3, per: 60, quota_max: 2, quota_renewal_rate: 3600 });
    const first = await edge.send("/edge-api/x", { headers: keyHeader(key) });
    expect(first.headers.get("x-ratelimit-limit")).toBe("2");
    expect((await edge.send("/edge-api/x", { headers: keyHeader(key) })).status).toBe(200);
    expect(await errorOf(await edge.send("/edge-api/x", { headers: keyHeader(key) }))).toEqual({ status: 403, message: messages.quotaExceeded });
    await edge.settle();
  });

  it("counts an API's global rate limit on the edge too", async () => {
    await insideOneWindow(60);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await edge.send("/edge-global/x")).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(await rateRows("api:edge-global")).toBe(0);
  });

  it("falls back to fast mode for a rate without a binding, saying why once per isolate", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const fallback = gatewayWith({});
    // A 30 s window: Cloudflare's binding counts 10 or 60 s only; long enough that no lease lapses on a busy machine.
    const { key, limiter } = await limitedKey(["edge-api"], { rate: 4, per: 30 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fallback.send("/edge-api/x", { headers: keyHeader(key) })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    expect(edgeWarnings(warn)).toEqual([expect.objectContaining({ limit: 4, per_seconds: 30, binding: null })]);
    await fallback.settle();
    expect(await rateRows(limiter)).toBeGreaterThan(0);
  });

  it("names the missing binding for a 10 or 60 second rate", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const fallback = gatewayWith({});
    const { key } = await limitedKey(["edge-api"], { rate: 7, per: 60 });
    expect((await fallback.send("/edge-api/x", { headers: keyHeader(key) })).status).toBe(200);
    expect(edgeWarnings(warn)).toEqual([expect.objectContaining({ binding: "EDGE_RATE_LIMIT_7_PER_60" })]);
    await fallback.settle();
  });

  it("reports the exact limit and this isolate's estimate of what is left in rate_limits headers", async () => {
    await insideOneWindow(10);
    const { send, settle } = gatewayWith({ TYK_GW_RATELIMITRESPONSEHEADERS: "rate_limits" });
    const { key } = await limitedKey(["edge-api"], { rate: 5, per: 10 });
    const response = await send("/edge-api/x", { headers: keyHeader(key) });
    expect([response.headers.get("x-ratelimit-limit"), response.headers.get("x-ratelimit-remaining")]).toEqual(["5", "4"]);
    const reset = Number(response.headers.get("x-ratelimit-reset"));
    expect(reset * 1000 - Date.now()).toBeGreaterThan(0);
    expect(reset * 1000 - Date.now()).toBeLessThanOrEqual(10_000);
    await settle();
  });
});
