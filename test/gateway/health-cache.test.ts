import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { createGateway } from "../../src/gateway";
import { LivenessCheck } from "../../src/health/liveness";
import { KvStore } from "../../src/store/kv";

/** A gateway on the test KV whose store counts its pings and can be made to fail them. */
function countingGateway(vars: Record<string, string> = {}) {
  const gateway = createGateway({ GATEWAY_KV: env.GATEWAY_KV, ...vars });
  const state = { pings: 0, down: false };
  const ping = gateway.store.ping.bind(gateway.store);
  gateway.store.ping = async () => {
    state.pings += 1;
    if (state.down) throw new Error("store unreachable");
    return ping();
  };
  const app = createApp(() => gateway);
  const hello = async () => {
    const response = await app.request("http://gateway.test/hello", undefined, {});
    expect(response.status).toBe(200);
    return (await response.json()) as { status: string; details: { redis: { status: string; time: string; output?: string } } };
  };
  return { state, hello };
}

describe("/hello is cached as Tyk caches its liveness check", () => {
  it("a flood of /hello pings the store once per TYK_GW_LIVENESSCHECK_CHECKDURATION window", async () => {
    const { state, hello } = countingGateway();
    const answers = await Promise.all(Array.from({ length: 50 }, () => hello()));
    for (let i = 0; i < 50; i += 1) answers.push(await hello());
    expect(state.pings).toBe(1);
    expect(new Set(answers.map((answer) => answer.details.redis.time)).size).toBe(1);
    expect(answers.every((answer) => answer.status === "pass")).toBe(true);
  });

  it("checks again once the window has passed, and reports a store that went down", async () => {
    const { state, hello } = countingGateway({ TYK_GW_LIVENESSCHECK_CHECKDURATION: "1" });
    expect((await hello()).status).toBe("pass");
    state.down = true;
    // Within the window the last result stands, as in Tyk.
    expect((await hello()).status).toBe("pass");
    expect(state.pings).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1050));
    const failed = await hello();
    expect(state.pings).toBe(2);
    expect(failed.status).toBe("fail");
    expect(failed.details.redis).toMatchObject({ status: "fail", output: "storage: Redis is either down or was not configured" });
  });

  it("keeps the result for the window it was given, from the time of the check", async () => {
    const store = new KvStore(env.GATEWAY_KV);
    let pings = 0;
    store.ping = async () => {
      pings += 1;
    };
    const check = new LivenessCheck(store, 10_000, "kv");
    const start = Date.now();
    await check.result(start);
    expect(check.result(start + 5_000)).not.toBeInstanceOf(Promise);
    await check.result(start + 10_001);
    expect(pings).toBe(2);
  });
});
