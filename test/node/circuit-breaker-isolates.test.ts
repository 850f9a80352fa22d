import type { Server } from "node:http";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { staleAfterMs, syncIntervalMs } from "../../src/breaker/shared-breaker";
import { FlakyChannel, startFlakyUpstream } from "../support/flaky-upstream";
import { bundleGateway, compatibilityDate } from "../support/gateway-bundle";

/*
 * Two isolates, one breaker: two Workers built from the gateway's source run
 * in one workerd, each in its own isolate, sharing one CircuitBreaker
 * namespace (gateway B's binding points at gateway A's class) and one KV
 * namespace. A breaker tripped through A must stop B within the stated bound:
 * a busy isolate looks at the object every `syncIntervalMs`, and no isolate
 * decides on an answer older than `staleAfterMs`.
 */

const secret = "breaker-isolates-secret";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function gatewayWorker(name: string, script: string, date: string, ownsBreakers: boolean) {
  return {
    config: {
      name,
      compatibilityDate: date,
      manifest: { mainModule: "index.js", modules: { "index.js": { type: "esm" as const, contents: script } } },
      env: {
        TYK_GW_SECRET: { type: "text" as const, value: secret },
        TYK_GW_STORAGE_TYPE: { type: "text" as const, value: "kv" },
        PORTCULLIS_CONFIG_CHECK_SECONDS: { type: "text" as const, value: "0" },
        GATEWAY_KV: { type: "kv" as const, id: "breaker-isolates-kv" },
        CIRCUIT_BREAKER: { type: "durable-object" as const, worker: "gateway-a", exportName: "CircuitBreaker" },
      },
      exports: ownsBreakers ? { CircuitBreaker: { type: "durable-object" as const, storage: "sqlite" as const } } : undefined,
    },
    dev: { unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] },
  };
}

describe("a circuit breaker shared by two isolates", () => {
  let miniflare: Miniflare;
  let upstream: { server: Server; url: string };
  let origins: { a: string; b: string };
  const logs: string[] = [];

  const get = async (origin: string, path: string) => {
    const response = await fetch(`${origin}${path}`);
    await response.body?.cancel();
    return response.status;
  };

  async function loadApi(channel: FlakyChannel, id: string): Promise<void> {
    const definition = {
      api_id: id,
      name: id,
      org_id: "default",
      use_keyless: true,
      proxy: { listen_path: `/${id}/`, target_url: channel.target, strip_listen_path: true },
      version_data: {
        not_versioned: true,
        versions: {
          Default: {
            name: "Default",
            extended_paths: {
              circuit_breakers: [
                { path: "/flaky", method: "GET", threshold_percent: 0.5, samples: 3, return_to_service_after: 30, disable_half_open_state: true },
              ],
            },
          },
        },
      },
    };
    const headers = { "x-tyk-authorization": secret, "content-type": "application/json" };
    const saved = await fetch(`${origins.a}/tyk/apis`, { method: "POST", headers, body: JSON.stringify(definition) });
    expect(saved.status).toBe(200);
    await saved.body?.cancel();
    for (const origin of [origins.a, origins.b]) {
      const reloaded = await fetch(`${origin}/tyk/reload`, { headers });
      expect(reloaded.status).toBe(200);
      await reloaded.body?.cancel();
    }
  }

  /**
   * Fails the channel and sends A failing requests until A refuses one; returns
   * when A answered the failure that tripped it. The channel is healthy again
   * afterwards, so whatever B sends upstream succeeds and only the shared
   * state can stop B.
   */
  async function tripThroughA(channel: FlakyChannel, id: string): Promise<number> {
    await channel.setMode("fail");
    let trippedAt = Date.now();
    for (let request = 0; request < 20; request++) {
      const status = await get(origins.a, `/${id}/flaky`);
      if (status === 503) break;
      expect(status).toBe(500);
      trippedAt = Date.now();
    }
    await channel.setMode("ok");
    expect(await get(origins.a, `/${id}/flaky`)).toBe(503);
    return trippedAt;
  }

  beforeAll(async () => {
    upstream = await startFlakyUpstream();
    const [script, date] = await Promise.all([bundleGateway(), compatibilityDate()]);
    miniflare = new Miniflare({
      host: "127.0.0.1",
      port: 0,
      logRequests: false,
      telemetry: { enabled: false },
      enableDevRegistry: false,
      handleStructuredLogs: (log) => void logs.push(`${log.level}: ${log.message}`),
      workers: [gatewayWorker("gateway-a", script, date, true), gatewayWorker("gateway-b", script, date, false)],
    });
    await miniflare.ready;
    origins = { a: (await miniflare.unsafeGetDirectURL("gateway-a")).origin, b: (await miniflare.unsafeGetDirectURL("gateway-b")).origin };
  });

  afterAll(async () => {
    await miniflare?.dispose();
    await new Promise<void>((resolve) => upstream?.server.close(() => resolve()));
  });

  it(`stops a busy isolate within ${staleAfterMs} ms of a trip through another (about ${syncIntervalMs} ms)`, async () => {
    const channel = new FlakyChannel(upstream.url, "busy");
    await loadApi(channel, "busy");
    // B serves the endpoint steadily, so it looks at the object in the background every second.
    const busySince = Date.now();
    while (Date.now() - busySince < 1300) {
      expect(await get(origins.b, "/busy/flaky")).toBe(200);
      await sleep(250);
    }

    const trippedAt = await tripThroughA(channel, "busy");
    const hitsAtTrip = await channel.hits();
    let stoppedAfter: number | null = null;
    let passed = 0;
    while (Date.now() - trippedAt < staleAfterMs + 500) {
      const status = await get(origins.b, "/busy/flaky");
      if (status === 503) {
        stoppedAfter = Date.now() - trippedAt;
        break;
      }
      expect(status).toBe(200);
      passed++;
      await sleep(25);
    }
    console.log(`isolate B answered 503 ${stoppedAfter} ms after the trip through A, having sent ${passed} requests upstream meanwhile`);
    expect(stoppedAfter, logs.join("\n")).not.toBeNull();
    expect(stoppedAfter!).toBeLessThan(staleAfterMs);
    expect(await channel.hits()).toBe(hitsAtTrip + passed);

    // From then on B sends nothing upstream.
    for (let request = 0; request < 5; request++) expect(await get(origins.b, "/busy/flaky")).toBe(503);
    expect(await channel.hits()).toBe(hitsAtTrip + passed);
  });

  it(`refuses the first request of an isolate idle for ${staleAfterMs} ms, without calling the upstream`, async () => {
    const channel = new FlakyChannel(upstream.url, "idle");
    await loadApi(channel, "idle");
    expect(await get(origins.b, "/idle/flaky")).toBe(200);

    await tripThroughA(channel, "idle");
    const hits = await channel.hits();
    await sleep(staleAfterMs + 100);
    expect(await get(origins.b, "/idle/flaky")).toBe(503);
    expect(await channel.hits()).toBe(hits);
  });
});
