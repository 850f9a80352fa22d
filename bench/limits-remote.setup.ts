import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { Agent, createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { benchEdgeRate } from "./contestants";
import { adminSecret, bundleGateway, bundleWorker } from "./limits.setup";

/*
 * The round-trip model's world, loopback only: the RateLimiter objects in a
 * workerd process of their own (one Miniflare), a Node proxy in front of them
 * that holds every call for a set delay, and the gateway in another workerd
 * process (a second Miniflare) whose RATE_LIMITER binding is a shim forwarding
 * each call through that proxy. The gateway's code is the real one, unchanged.
 */

const compatibilityDate = "2026-11-01";

export interface DelayProxy {
  url: string;
  /** Added to every call, on the way in (ms): the round trip to an object in another location. */
  delayMs: number;
  close(): Promise<void>;
}

/** An HTTP proxy on loopback that forwards each request to `target` after `delayMs`. */
export async function startDelayProxy(target: string): Promise<DelayProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const proxy: DelayProxy = { url: "", delayMs: 0, close: async () => undefined };
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      setTimeout(() => {
        const forwarded = httpRequest(
          { agent, host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
          (answer) => {
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(outgoing);
          },
        );
        forwarded.on("error", (error) => {
          outgoing.writeHead(502);
          outgoing.end(String(error));
        });
        forwarded.end(Buffer.concat(chunks));
      }, proxy.delayMs);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      agent.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

/** The remote limiter process: the real RateLimiter class behind an HTTP entry point. */
export async function startRemoteLimiter(): Promise<{ url: string; dispose(): Promise<void> }> {
  // Storage on tmpfs when there is one: a local commit otherwise waits for this VM's disk (an fsync, 5–60 ms on a
  // busy shared disk), which would drown the round trip being modelled. Production commits replicate instead.
  const storage = existsSync("/dev/shm") ? await mkdtemp("/dev/shm/portcullis-remote-limiter-") : undefined;
  const miniflare = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      ...(storage ? { resourcePersistencePath: storage } : {}),
      workers: [
        {
          name: "remote-limiter",
          modules: [{ type: "ESModule", path: "server.js", contents: await bundleWorker("bench/remote-limiter/server.ts") }],
          compatibilityDate,
          durableObjects: { RATE_LIMITER: { className: "RateLimiter", useSQLite: true } },
          unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
        },
      ],
    }),
  );
  await miniflare.ready;
  const url = (await miniflare.unsafeGetDirectURL("remote-limiter")).origin;
  const dispose = async () => {
    await miniflare.dispose();
    if (storage) await rm(storage, { recursive: true, force: true });
  };
  return { url, dispose };
}

/** Edge mode's Rate Limiting binding for the bench's edge rate, named as the gateway looks it up. */
const edgeBinding = { [`EDGE_RATE_LIMIT_${benchEdgeRate.limit}_PER_${benchEdgeRate.period}`]: { namespace_id: "1101", simple: benchEdgeRate } };

/** The gateway process: the real gateway Worker, its RATE_LIMITER binding served by the forwarding shim. */
export async function startRemoteGateway(limiterUrl: string, vars: Record<string, string>): Promise<{ url: string; dispose(): Promise<void> }> {
  const miniflare = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      workers: [
        {
          name: "gateway",
          modules: [{ type: "ESModule", path: "index.js", contents: await bundleGateway() }],
          compatibilityDate,
          bindings: { TYK_GW_SECRET: adminSecret, TYK_GW_STORAGE_TYPE: "kv", TYK_GW_HASHKEYS: "true", ...vars },
          kvNamespaces: { GATEWAY_KV: "bench-remote-kv" },
          durableObjects: { RATE_LIMITER: { className: "RateLimiter", scriptName: "limiter-shim" } },
          ratelimits: edgeBinding,
          unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
        },
        {
          name: "limiter-shim",
          modules: [{ type: "ESModule", path: "shim.js", contents: await bundleWorker("bench/remote-limiter/shim.ts") }],
          compatibilityDate,
          bindings: { REMOTE_LIMITER_URL: limiterUrl },
          durableObjects: { SHIM: "RateLimiter" },
        },
      ],
    }),
  );
  await miniflare.ready;
  const url = (await miniflare.unsafeGetDirectURL("gateway")).origin;
  return { url, dispose: () => miniflare.dispose() };
}
