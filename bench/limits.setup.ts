import { build } from "esbuild";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

/*
 * The rate-limit bench's world, on loopback only: the gateway Worker bundled
 * from src/ as two Workers (two isolates) sharing one KV namespace and one
 * RateLimiter namespace, a probe Worker that calls the RateLimiter objects
 * directly, and a Node upstream that records when each request arrived.
 */

const root = fileURLToPath(new URL("..", import.meta.url));
export const adminSecret = "bench-admin-secret";
const compatibilityDate = "2026-11-01";

/** One Worker entry (a path under the repository) bundled as wrangler would, for Miniflare. */
export async function bundleWorker(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [`${root}${entry}`],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    target: "es2023",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["workerd", "worker", "browser", "module", "main"],
    external: ["cloudflare:*", "node:*"],
    logLevel: "silent",
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced no bundle for ${entry}`);
  return output.text;
}

export const bundleGateway = (): Promise<string> => bundleWorker("src/index.ts");

/** A keyed API on `/<id>/` in front of the bench upstream. */
export function limitsApi(id: string, target: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    api_id: id,
    name: id,
    org_id: "bench",
    use_standard_auth: true,
    version_data: { not_versioned: true, versions: { Default: { name: "Default" } } },
    proxy: { listen_path: `/${id}/`, target_url: target, strip_listen_path: true },
    ...extra,
  };
}

/** Calls RateLimiter objects in a closed loop and reports decisions per second: the per-object ceiling. */
const probeScript = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const objects = Number(url.searchParams.get("objects"));
    const concurrency = Number(url.searchParams.get("concurrency"));
    const ms = Number(url.searchParams.get("ms"));
    const run = crypto.randomUUID();
    const specs = [
      { id: "r:", kind: "rate", limit: 1e9, windowMs: 1000 },
      { id: "q:", kind: "quota", max: 1e12, renewalMs: 3600000 },
    ];
    const stubs = Array.from({ length: objects }, (_, i) => env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName("probe:" + run + ":" + i)));
    let decisions = 0;
    const start = Date.now();
    await Promise.all(Array.from({ length: concurrency }, async (_, i) => {
      const stub = stubs[i % objects];
      while (Date.now() - start < ms) {
        await stub.acquire(specs, 1, 0);
        decisions++;
      }
    }));
    return Response.json({ decisions, ms: Date.now() - start });
  },
};`;

export interface Upstream {
  url: string;
  /** Arrival times (ms, high resolution) per request path, for the paths being watched. */
  arrivals: Map<string, number[]>;
  close(): Promise<void>;
}

export async function startUpstream(): Promise<Upstream> {
  const arrivals = new Map<string, number[]>();
  const server: Server = createServer((request, response) => {
    arrivals.get(request.url ?? "")?.push(performance.timeOrigin + performance.now());
    request.resume();
    response.writeHead(200, { "content-type": "text/plain", "content-length": "2" });
    response.end("ok");
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface World {
  /** One base URL per gateway isolate. */
  gateways: string[];
  probe: string;
  dispose(): Promise<void>;
}

export async function startWorld(isolates: number, vars: Record<string, string>): Promise<World> {
  const script = await bundleGateway();
  const gatewayWorker = (index: number) => ({
    name: `gateway-${index}`,
    modules: [{ type: "ESModule" as const, path: "index.js", contents: script }],
    compatibilityDate,
    bindings: { TYK_GW_SECRET: adminSecret, TYK_GW_STORAGE_TYPE: "kv", TYK_GW_HASHKEYS: "true", ...vars },
    kvNamespaces: { GATEWAY_KV: "bench-gateway-kv" },
    durableObjects: { RATE_LIMITER: { className: "RateLimiter", useSQLite: true, ...(index > 0 ? { scriptName: "gateway-0" } : {}) } },
    // Edge mode's binding for the over-admission run; one namespace, as isolates in one location share it.
    ratelimits: { EDGE_RATE_LIMIT_50_PER_10: { namespace_id: "1", simple: { limit: 50, period: 10 as const } } },
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
  });
  // Miniflare 5 takes a new options shape; the v4 one (as in its docs) is converted.
  const miniflare = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      workers: [
        ...Array.from({ length: isolates }, (_, index) => gatewayWorker(index)),
        {
          name: "probe",
          modules: [{ type: "ESModule", path: "probe.js", contents: probeScript }],
          compatibilityDate,
          durableObjects: { RATE_LIMITER: { className: "RateLimiter", useSQLite: true, scriptName: "gateway-0" } },
          unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
        },
      ],
    }),
  );
  await miniflare.ready;
  const gateways = await Promise.all(Array.from({ length: isolates }, async (_, index) => (await miniflare.unsafeGetDirectURL(`gateway-${index}`)).origin));
  const probe = (await miniflare.unsafeGetDirectURL("probe")).origin;
  return { gateways, probe, dispose: () => miniflare.dispose() };
}

async function adminCall(base: string, method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${base}/tyk${path}`, {
    method,
    headers: { "x-tyk-authorization": adminSecret, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} /tyk${path}: ${response.status} ${text}`);
}

/** Stores the API definitions and keys through the Gateway API, then has every isolate reload. */
export async function seed(world: World, apis: Record<string, unknown>[], keys: Record<string, Record<string, unknown>>): Promise<void> {
  const [first] = world.gateways;
  if (!first) throw new Error("no gateway");
  for (const api of apis) await adminCall(first, "POST", "/apis", api);
  for (const [name, session] of Object.entries(keys)) await adminCall(first, "POST", `/keys/${name}`, { org_id: "bench", ...session });
  for (const base of world.gateways) await adminCall(base, "GET", "/reload");
}
