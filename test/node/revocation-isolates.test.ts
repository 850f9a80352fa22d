import type { Server } from "node:http";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleGateway, compatibilityDate } from "../support/gateway-bundle";
import { startEchoUpstream } from "../support/upstream";

/*
 * Revocation across isolates: four Workers built from the gateway's source run
 * in one workerd, each in its own isolate with its own session cache.
 *
 * - A takes the Gateway API calls and owns the Revocations object.
 * - B shares A's KV namespace and Revocations object. Its session cache TTL
 *   (10 s) and config check interval (60 s) are far longer than the bound, so
 *   only the channel can make it refuse within 2 s.
 * - C shares the Revocations object but has a KV namespace of its own holding
 *   the key as it was: the worst a Workers KV location can do (serve the old
 *   session for a minute). Its session cache TTL is 1 s, so it reads its KV
 *   again and again.
 * - D shares A's KV but has no Revocations binding: today's bound, the session
 *   cache TTL.
 */

const secret = "revocation-isolates-secret";
const boundMs = 2000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const adminHeaders = { "x-tyk-authorization": secret, "content-type": "application/json" };

type WorkerName = "gateway-a" | "gateway-b" | "gateway-c" | "gateway-d";

function gatewayWorker(name: WorkerName, script: string, date: string, vars: Record<string, string>, bindings: Record<string, unknown>) {
  return {
    config: {
      name,
      compatibilityDate: date,
      manifest: { mainModule: "index.js", modules: { "index.js": { type: "esm" as const, contents: script } } },
      env: {
        ...Object.fromEntries(
          Object.entries({ TYK_GW_SECRET: secret, TYK_GW_STORAGE_TYPE: "kv", ...vars }).map(([key, value]) => [key, { type: "text" as const, value }]),
        ),
        RATE_LIMITER: { type: "durable-object" as const, worker: "gateway-a", exportName: "RateLimiter" },
        ...bindings,
      },
      exports:
        name === "gateway-a"
          ? {
              Revocations: { type: "durable-object" as const, storage: "sqlite" as const },
              RateLimiter: { type: "durable-object" as const, storage: "sqlite" as const },
            }
          : undefined,
    },
    dev: { unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] },
  };
}

const sharedKv = { type: "kv" as const, id: "revocation-kv" };
const revocations = { type: "durable-object" as const, worker: "gateway-a", exportName: "Revocations" };

describe("revocation across isolates", () => {
  let miniflare: Miniflare;
  let upstream: { server: Server; url: string };
  const origin = {} as Record<WorkerName, string>;
  const logs: string[] = [];

  async function call(worker: WorkerName, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${origin[worker]}${path}`, { method, headers: adminHeaders, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  async function admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const reply = await call("gateway-a", method, `/tyk${path}`, body);
    expect(reply.status, `${JSON.stringify(reply.body)}\n${logs.join("\n")}`).toBe(200);
    return reply.body;
  }

  async function proxied(worker: WorkerName, key: string, api = "guarded"): Promise<number> {
    const response = await fetch(`${origin[worker]}/${api}/resource`, { headers: { authorization: key } });
    await response.body?.cancel();
    return response.status;
  }

  function api(id: string) {
    return {
      api_id: id,
      name: id,
      org_id: "default",
      use_keyless: false,
      use_standard_auth: true,
      proxy: { listen_path: `/${id}/`, target_url: upstream.url, strip_listen_path: true },
      version_data: { not_versioned: true, versions: { Default: { name: "Default" } } },
    };
  }

  const accessTo = (apiId: string) => ({ [apiId]: { api_id: apiId, api_name: apiId, versions: ["Default"] } });

  async function createKey(session: Record<string, unknown>): Promise<{ key: string; hash: string }> {
    const reply = await admin("POST", "/keys/create", { org_id: "default", ...session });
    return { key: String(reply["key"]), hash: String(reply["key_hash"]) };
  }

  /** Sends `worker` the key every 25 ms until it is refused; the milliseconds that took, or null within `withinMs`. */
  async function refusedAfter(worker: WorkerName, key: string, since: number, withinMs: number): Promise<{ ms: number | null; status: number }> {
    let status = 0;
    while (Date.now() - since < withinMs) {
      status = await proxied(worker, key);
      if (status !== 200) return { ms: Date.now() - since, status };
      await sleep(25);
    }
    return { ms: null, status };
  }

  /** Keeps `worker` serving the key for a while, so it is busy when the change comes. */
  async function keepBusy(worker: WorkerName, key: string, forMs: number): Promise<void> {
    const until = Date.now() + forMs;
    while (Date.now() < until) {
      expect(await proxied(worker, key)).toBe(200);
      await sleep(50);
    }
  }

  beforeAll(async () => {
    upstream = await startEchoUpstream();
    const [script, date] = await Promise.all([bundleGateway(), compatibilityDate()]);
    const slowToNotice = { TYK_GW_LOCALSESSIONCACHE_CACHEDSESSIONTIMEOUT: "10", PORTCULLIS_CONFIG_CHECK_SECONDS: "60" };
    miniflare = new Miniflare({
      host: "127.0.0.1",
      port: 0,
      logRequests: false,
      telemetry: { enabled: false },
      enableDevRegistry: false,
      handleStructuredLogs: (log) => void logs.push(`${log.level}: ${log.message}`),
      workers: [
        gatewayWorker("gateway-a", script, date, { PORTCULLIS_CONFIG_CHECK_SECONDS: "0" }, { GATEWAY_KV: sharedKv, REVOCATIONS: revocations }),
        gatewayWorker("gateway-b", script, date, slowToNotice, { GATEWAY_KV: sharedKv, REVOCATIONS: revocations }),
        gatewayWorker(
          "gateway-c",
          script,
          date,
          { TYK_GW_LOCALSESSIONCACHE_CACHEDSESSIONTIMEOUT: "1", PORTCULLIS_CONFIG_CHECK_SECONDS: "0" },
          { GATEWAY_KV: { type: "kv" as const, id: "revocation-kv-stale-location" }, REVOCATIONS: revocations },
        ),
        gatewayWorker("gateway-d", script, date, { ...slowToNotice, PORTCULLIS_CONFIG_CHECK_SECONDS: "0" }, { GATEWAY_KV: sharedKv }),
      ],
    });
    await miniflare.ready;
    for (const name of ["gateway-a", "gateway-b", "gateway-c", "gateway-d"] as const) origin[name] = (await miniflare.unsafeGetDirectURL(name)).origin;

    // Two APIs, stored through A and copied to C's location; B hears of the reload through the channel.
    const staleLocation = await miniflare.getKVNamespace("GATEWAY_KV", "gateway-c");
    for (const id of ["guarded", "elsewhere"]) {
      await admin("POST", "/apis", api(id));
      await staleLocation.put(`tyk-api:${id}`, JSON.stringify(api(id)));
    }
    await admin("GET", "/reload");
    await sleep(boundMs);
  });

  afterAll(async () => {
    await miniflare?.dispose();
    await new Promise<void>((resolve) => upstream?.server.close(() => resolve()));
  });

  it(`refuses a deleted key on a busy isolate within ${boundMs} ms`, async () => {
    const { key } = await createKey({ access_rights: accessTo("guarded") });
    await keepBusy("gateway-b", key, 1200);

    await admin("DELETE", `/keys/${key}`);
    const deletedAt = Date.now();
    const refused = await refusedAfter("gateway-b", key, deletedAt, boundMs + 1000);
    console.log(`busy isolate B refused the deleted key ${refused.ms} ms after A's Gateway API answered`);
    expect(refused.ms, logs.join("\n")).not.toBeNull();
    expect(refused.ms!).toBeLessThan(boundMs);
    expect(refused.status).toBe(403);
    for (let request = 0; request < 5; request++) expect(await proxied("gateway-b", key)).toBe(403);
  });

  it(`refuses a deleted key on the first request of an isolate idle for longer than ${boundMs} ms`, async () => {
    const { key } = await createKey({ access_rights: accessTo("guarded") });
    expect(await proxied("gateway-b", key)).toBe(200);
    await sleep(boundMs + 200);

    await admin("DELETE", `/keys/${key}`);
    const sentAt = Date.now();
    expect(await proxied("gateway-b", key)).toBe(403);
    console.log(`idle isolate B refused the deleted key on its first request, answered ${Date.now() - sentAt} ms after A's Gateway API answered`);
  });

  it(`applies a changed key (access removed) on another isolate within ${boundMs} ms`, async () => {
    const { key } = await createKey({ access_rights: accessTo("guarded") });
    await keepBusy("gateway-b", key, 600);

    await admin("PUT", `/keys/${key}`, { org_id: "default", access_rights: accessTo("elsewhere") });
    const changedAt = Date.now();
    const refused = await refusedAfter("gateway-b", key, changedAt, boundMs + 1000);
    console.log(`isolate B refused the edited key ${refused.ms} ms after A's Gateway API answered`);
    expect(refused.ms, logs.join("\n")).not.toBeNull();
    expect(refused.ms!).toBeLessThan(boundMs);
    expect(refused.status).toBe(403);
    expect(await proxied("gateway-b", key, "elsewhere")).toBe(200);
  });

  it(`applies a policy change and /tyk/reload on other isolates within ${boundMs} ms, also where KV still holds the old policy`, async () => {
    const policy = { id: "tier", org_id: "default", access_rights: accessTo("guarded") };
    await admin("POST", "/policies", policy);
    await admin("GET", "/reload");
    const { key, hash } = await createKey({ apply_policies: ["tier"] });
    const staleLocation = await miniflare.getKVNamespace("GATEWAY_KV", "gateway-c");
    await staleLocation.put("tyk-policy:tier", JSON.stringify(policy));
    await staleLocation.put(`apikey-${hash}`, (await (await miniflare.getKVNamespace("GATEWAY_KV", "gateway-a")).get(`apikey-${hash}`))!);
    await sleep(boundMs);
    expect(await proxied("gateway-c", key)).toBe(200);
    await keepBusy("gateway-b", key, 600);

    await admin("PUT", "/policies/tier", { ...policy, access_rights: accessTo("elsewhere") });
    // As in Tyk, the policy goes live on reload; the clock starts when the reload is answered.
    expect(await proxied("gateway-b", key)).toBe(200);
    await admin("GET", "/reload");
    const reloadedAt = Date.now();
    for (const worker of ["gateway-b", "gateway-c"] as const) {
      const refused = await refusedAfter(worker, key, reloadedAt, boundMs + 1000);
      console.log(`isolate ${worker.slice(-1).toUpperCase()} applied the changed policy ${refused.ms} ms after A's /tyk/reload answered`);
      expect(refused.ms, logs.join("\n")).not.toBeNull();
      expect(refused.ms!).toBeLessThan(boundMs);
      expect(await proxied(worker, key, "elsewhere")).toBe(200);
    }
    expect(JSON.parse((await staleLocation.get("tyk-policy:tier"))!)).toEqual(policy);
  });

  it("never lets a location whose KV still holds the old session bring a deleted or changed key back", async () => {
    const staleLocation = await miniflare.getKVNamespace("GATEWAY_KV", "gateway-c");
    const deleted = await createKey({ access_rights: accessTo("guarded") });
    const edited = await createKey({ access_rights: accessTo("guarded") });
    for (const { hash } of [deleted, edited]) {
      const session = await (await miniflare.getKVNamespace("GATEWAY_KV", "gateway-a")).get(`apikey-${hash}`);
      await staleLocation.put(`apikey-${hash}`, session!);
    }
    expect(await proxied("gateway-c", deleted.key)).toBe(200);
    expect(await proxied("gateway-c", edited.key)).toBe(200);

    await admin("DELETE", `/keys/${deleted.key}`);
    await admin("PUT", `/keys/${edited.key}`, { org_id: "default", access_rights: accessTo("elsewhere") });
    const changedAt = Date.now();
    const refused = await refusedAfter("gateway-c", deleted.key, changedAt, boundMs + 1000);
    console.log(`isolate C, whose KV still held the deleted key, refused it ${refused.ms} ms after A's Gateway API answered`);
    expect(refused.ms, logs.join("\n")).not.toBeNull();
    expect(refused.ms!).toBeLessThan(boundMs);

    // C's own KV still has both old sessions; its 1 s cache TTL makes it read again, several times.
    const until = Date.now() + 3500;
    while (Date.now() < until) {
      expect(await proxied("gateway-c", deleted.key)).toBe(403);
      expect(await proxied("gateway-c", edited.key)).toBe(403);
      expect(await proxied("gateway-c", edited.key, "elsewhere")).toBe(200);
      await sleep(250);
    }
    expect(await staleLocation.get(`apikey-${deleted.hash}`)).not.toBeNull();
  });

  it("without the REVOCATIONS binding, serves a deleted key until its session cache TTL, and says so", async () => {
    const { key } = await createKey({ access_rights: accessTo("guarded") });
    expect(await proxied("gateway-d", key)).toBe(200);
    await admin("DELETE", `/keys/${key}`);
    await sleep(boundMs + 500);
    expect(await proxied("gateway-d", key)).toBe(200);
    expect(logs.some((line) => line.includes("REVOCATIONS Durable Object binding is missing"))).toBe(true);
  });
});
