import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { gatewayFor } from "../../src/gateway";
import { loadApis } from "../support/gateway";
import { errorOf, gatewayWith, keyHeader, keyedApi, limitedKey, openApi } from "./support";

/*
 * When the limiter cannot answer: a missing binding (unreachable) and an
 * object whose storage fails (erroring). Fail closed by default, as Tyk does
 * on Redis errors; fail open on request. Either way a stable log line and a counter.
 */

type LogLine = Record<string, unknown>;

function unavailableLogs(spy: { mock: { calls: unknown[][] } }): LogLine[] {
  const lines = spy.mock.calls.map((call): LogLine => JSON.parse(String(call[0])));
  return lines.filter((line) => line["message"] === "rate limiter unavailable");
}

describe("when the rate limiter is unavailable", () => {
  beforeAll(async () => {
    await loadApis(keyedApi("f-api"), openApi("f-open", { global_rate_limit: { rate: 100, per: 60 } }));
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("fails closed by default: 503, a log line with a stable message, and a counter", async () => {
    const vars = { RATE_LIMITER: undefined };
    const { send } = gatewayWith(vars);
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const { key } = await limitedKey(["f-api"], { rate: 10, per: 60 });
    const response = await send("/f-api/x", { headers: keyHeader(key) });
    expect(await errorOf(response)).toEqual({ status: 503, message: "Rate limiter unavailable" });
    expect(response.headers.get("retry-after")).toBe("1");
    expect((await send("/f-open/x")).status).toBe(503);
    const logs = unavailableLogs(errors);
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatchObject({ failure_mode: "closed", api_id: "f-api", error: expect.stringContaining("RATE_LIMITER"), unavailable_in_isolate: 1 });
    expect(logs[1]).toMatchObject({ api_id: "f-open", limiter: "api:f-open", unavailable_in_isolate: 2 });
  });

  it("fails open when PORTCULLIS_RATELIMIT_FAILURE_MODE=open, still logging and counting", async () => {
    const { send } = gatewayWith({ RATE_LIMITER: undefined, PORTCULLIS_RATELIMIT_FAILURE_MODE: "open" });
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const { key } = await limitedKey(["f-api"], { rate: 1, per: 60, quota_max: 1, quota_renewal_rate: 60 });
    expect((await send("/f-api/x", { headers: keyHeader(key) })).status).toBe(200);
    expect((await send("/f-api/x", { headers: keyHeader(key) })).status).toBe(200);
    expect(unavailableLogs(errors).map((line) => line["failure_mode"])).toEqual(["open", "open"]);
  });

  it("never involves the limiter for a key without limits", async () => {
    const { send } = gatewayWith({ RATE_LIMITER: undefined });
    const { key } = await limitedKey(["f-api"], {});
    expect((await send("/f-api/x", { headers: keyHeader(key) })).status).toBe(200);
  });

  it("treats an object that throws like an unreachable one", async () => {
    // Exact mode: the second request must reach the broken object instead of a lease.
    const { send } = gatewayWith({ PORTCULLIS_RATELIMIT_MODE: "exact" });
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const { key, limiter } = await limitedKey(["f-api"], { rate: 10, per: 60 });
    expect((await send("/f-api/x", { headers: keyHeader(key) })).status).toBe(200);
    // Break the object's storage under it: its next write fails inside the object.
    await runInDurableObject(env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(limiter)), (_instance, state) => {
      state.storage.sql.exec("DROP TABLE rate_log");
    });
    expect(await errorOf(await send("/f-api/x", { headers: keyHeader(key) }))).toEqual({ status: 503, message: "Rate limiter unavailable" });
    expect(unavailableLogs(errors)).toEqual([expect.objectContaining({ limiter, error: expect.stringContaining("rate_log") })]);
  });

  it("exposes the isolate's count of unavailable answers on the gateway", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const { send, bindings } = gatewayWith({ RATE_LIMITER: undefined });
    await send("/f-open/x");
    await send("/f-open/x");
    expect(gatewayFor(bindings).limits.unavailableTotal).toBe(2);
  });
});
