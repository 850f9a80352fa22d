import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { compileDefinition } from "../../src/compile";
import { parseGatewayConfig } from "../../src/config";
import { gateway, keylessApi, loadApis } from "../support/gateway";

/*
 * Request metrics in Workers Analytics Engine. Miniflare's local dataset
 * (wrangler.toml binds METRICS) accepts data points and discards them: there is
 * nothing local to read them back from. So the gateway runs here with METRICS
 * bound to a dataset that keeps what it is given, next to the real bindings.
 */

function recordingGateway() {
  const points: AnalyticsEngineDataPoint[] = [];
  const dataset: AnalyticsEngineDataset = { writeDataPoint: (point) => void points.push(point ?? {}) };
  const bindings = { ...env, METRICS: dataset };
  const app = createApp();
  const request = (path: string, init?: RequestInit) => app.request(`http://gateway.test${path}`, init, bindings);
  return { points, request };
}

let unique = 0;
const fresh = (label: string) => `/${label}-${Date.now()}-${++unique}`;

describe("request metrics (Analytics Engine)", () => {
  beforeAll(() =>
    loadApis(
      keylessApi({ api_id: "metered", name: "Metered API" }),
      keylessApi({ api_id: "limited", name: "Limited", proxy: { listen_path: "/limited/" }, global_rate_limit: { rate: 1, per: 60 } }),
      keylessApi({
        api_id: "cached",
        name: "Cached",
        proxy: { listen_path: "/cached/" },
        cache_options: { enable_cache: true, cache_timeout: 60, cache_all_safe_requests: true },
      }),
    ),
  );

  it("writes one data point per request to an API: ids, version, status class, location, latencies", async () => {
    const { points, request } = recordingGateway();
    const init = { method: "POST", body: "x", cf: { colo: "FRA", country: "DE" } } as RequestInit;
    expect((await request("/keyless/post", init)).status).toBe(200);
    expect(points).toHaveLength(1);
    const [point] = points;
    expect(point!.indexes).toEqual(["metered"]);
    expect(point!.blobs).toEqual(["metered", "Metered API", "Default", "2xx", "FRA", "POST", "0", "0", "upstream", "DE"]);
    const [total, upstream, status] = point!.doubles as number[];
    expect(status).toBe(200);
    expect(upstream).toBeGreaterThanOrEqual(0);
    expect(total).toBeGreaterThanOrEqual(upstream!);
  });

  it("counts the gateway's own refusals with their status, and leaves the error document as it was", async () => {
    const { points, request } = recordingGateway();
    const path = fresh("limited/get");
    expect((await request(path)).status).toBe(200);
    const refused = await request(path);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ error: "API Rate Limit Exceeded" });
    expect(points).toHaveLength(2);
    expect(points[1]!.blobs).toEqual(["limited", "Limited", "Default", "4xx", "", "GET", "1", "0", "gateway", ""]);
    expect(points[1]!.doubles).toEqual([expect.any(Number), 0, 429]);
  });

  it("flags answers from the response cache", async () => {
    const { points, request } = recordingGateway();
    const path = fresh("cached/get");
    await request(path);
    // The answer is stored in the background: ask again until the cache has it (bounded).
    const deadline = Date.now() + 2_000;
    while ((await request(path)).headers.get("x-tyk-cached-response") !== "1") {
      if (Date.now() > deadline) throw new Error("the response cache never answered");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const flags = points.map((point) => point.blobs?.[7]);
    expect(flags[0]).toBe("0");
    expect(flags.at(-1)).toBe("1");
    expect(points.at(-1)!.blobs?.[8]).toBe("upstream");
  });

  it("writes nothing for a request that matches no API", async () => {
    const { points, request } = recordingGateway();
    expect((await request("/no-api-here/")).status).toBe(404);
    expect(points).toEqual([]);
  });

  it("gives APIs no metrics step without the METRICS binding", () => {
    const definition = keylessApi();
    const chainWith = (bindings: Record<string, unknown>) => {
      const result = compileDefinition(definition, parseGatewayConfig(bindings));
      if (!result.ok) throw new Error(result.error);
      return result.api.chain;
    };
    expect(chainWith({})).not.toContain("Metrics");
    expect(chainWith({ METRICS: env.METRICS })).toContain("Metrics");
  });

  it("serves through the Analytics Engine binding wrangler.toml declares", async () => {
    expect(typeof env.METRICS.writeDataPoint).toBe("function");
    expect((await gateway("/keyless/get")).status).toBe(200);
  });
});
