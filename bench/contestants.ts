import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { Miniflare, type WorkerOptions } from "miniflare";
import type { Bundle, WorkerConfig } from "./bundle";
import { childProcesses } from "./system";

/**
 * A Worker running in workerd through Miniflare's programmatic API, one
 * workerd process per contestant. Load goes to the Worker's own loopback
 * socket (Miniflare's `unsafeDirectSockets`), not through Miniflare's entry
 * Worker: that dev-only hop costs more per request than a whole pass-through
 * and would hide half of the gateway's cost. Every contestant is reached the
 * same way, so nothing but the Worker differs.
 */
export interface Contestant {
  name: string;
  origin: string;
  miniflare: Miniflare;
  /** From `new Miniflare()` to the Worker's socket answering: workerd start plus compiling and evaluating the module. */
  startMs: number;
  /** The workerd process serving it (Linux), for CPU time per request. */
  pid: number | undefined;
  /** The last lines the Worker logged (console.* and uncaught errors), for diagnosing a failed probe. */
  recentLogs: string[];
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  /** Exposes the V8 inspector (Chrome DevTools protocol) on this loopback port. */
  inspectorPort?: number;
}

type Env = NonNullable<WorkerOptions["config"]["env"]>;
type WorkerExports = WorkerOptions["config"]["exports"];

const keptLogLines = 20;

async function startContestant(name: string, workers: WorkerOptions[], options: RuntimeOptions): Promise<Contestant> {
  const recentLogs: string[] = [];
  const workerdBefore = new Set(await childProcesses("workerd"));
  // Durable Object and KV storage on tmpfs when there is one: on disk every SQLite commit waits for this shared VM's
  // fsync (5–60 ms), which measures the disk, not the gateway. Production commits replicate instead (see the
  // round-trip section of the report).
  const storage = existsSync("/dev/shm") ? await mkdtemp("/dev/shm/portcullis-bench-") : undefined;
  const startedAt = performance.now();
  const miniflare = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    ...(storage ? { resourcePersistencePath: storage } : {}),
    inspectorPort: options.inspectorPort,
    logRequests: false,
    telemetry: { enabled: false },
    enableDevRegistry: false,
    handleStructuredLogs: (log) => {
      recentLogs.push(`${log.level}: ${log.message}`);
      if (recentLogs.length > keptLogLines) recentLogs.shift();
    },
    workers,
  });
  await miniflare.ready;
  const direct = await miniflare.unsafeGetDirectURL(workers[0]?.config.name);
  const startMs = performance.now() - startedAt;
  const pid = (await childProcesses("workerd")).find((candidate) => !workerdBefore.has(candidate));
  const stop = async () => {
    await miniflare.dispose();
    if (storage) await rm(storage, { recursive: true, force: true });
  };
  return { name, origin: direct.origin, startMs, pid, miniflare, recentLogs, stop };
}

/** One bundled module with the gateway's compatibility settings; `direct` gives it its own loopback socket. */
async function workerOptions(name: string, bundle: Bundle, config: WorkerConfig, env: Env, direct: boolean, exports?: WorkerExports): Promise<WorkerOptions> {
  return {
    config: {
      name,
      compatibilityDate: config.compatibilityDate,
      compatibilityFlags: config.compatibilityFlags,
      manifest: { mainModule: "index.js", modules: { "index.js": { type: "esm", contents: await readFile(bundle.scriptPath, "utf8") } } },
      env,
      exports,
    },
    dev: direct ? { unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }] } : undefined,
  };
}

function textBindings(values: Record<string, string>): Env {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { type: "text" as const, value }]));
}

export async function startPassthrough(bundle: Bundle, config: WorkerConfig, upstreamOrigin: string, options: RuntimeOptions = {}): Promise<Contestant> {
  const worker = await workerOptions("passthrough", bundle, config, textBindings({ UPSTREAM_ORIGIN: upstreamOrigin }), true);
  return startContestant("pass-through", [worker], options);
}

/**
 * The rate of the bench's rate-only key (bench/seed.ts), far above what the bench sends. Edge mode
 * counts a Tyk rate on the Rate Limiting binding named after it (src/ratelimit/edge.ts), so the
 * limits gateway gets that binding; the peer's binding counts the same rate.
 */
export const benchEdgeRate = { limit: 10_000_000, period: 60 } as const;
const benchEdgeBinding = `EDGE_RATE_LIMIT_${benchEdgeRate.limit}_PER_${benchEdgeRate.period}`;

/** The peer's KEYS entries: API key → `{"apis":[…]}`, as bench/peer expects them. */
export type PeerKeys = [key: string, apis: string[]][];

/** The Workers-user baseline (bench/peer, or its variant): Miniflare KV as KEYS, seeded before its first request, and a Rate Limiting binding. */
export async function startPeer(
  name: string,
  bundle: Bundle,
  config: WorkerConfig,
  upstreamOrigin: string,
  keys: PeerKeys,
  options: RuntimeOptions = {},
): Promise<Contestant> {
  const env: Env = {
    UPSTREAM_ORIGIN: { type: "text", value: upstreamOrigin },
    KEYS: { type: "kv", id: "portcullis-bench-peer-keys" },
    RATE_LIMITER: { type: "rate-limit", namespace: "1001", simple: benchEdgeRate },
  };
  const peer = await startContestant(name, [await workerOptions("peer", bundle, config, env, true)], options);
  await seed(
    peer.miniflare,
    "KEYS",
    keys.map(([key, apis]) => [key, JSON.stringify({ apis })]),
    "peer",
  );
  return peer;
}

export const gatewaySecret = "portcullis-bench-secret";

/** The gateway's vars from wrangler.toml plus the secret and key hashing the bench relies on. */
function gatewayBindings(config: WorkerConfig): Env {
  return textBindings({ ...config.vars, TYK_GW_SECRET: gatewaySecret, TYK_GW_HASHKEYS: "true", TYK_GW_HASHKEYFUNCTION: "sha256" });
}

/** Raw GATEWAY_KV entries, in the layout of src/store/store.ts. */
export type StoreSeed = [key: string, value: string][];

const kvNamespaceId = "portcullis-bench-gateway-kv";

async function seed(miniflare: Miniflare, binding: string, entries: StoreSeed, workerName: string): Promise<void> {
  const kv = await miniflare.getKVNamespace(binding, workerName);
  // Each put is a round trip to workerd: thousands of them (the soak's keys) go 50 at a time.
  for (let start = 0; start < entries.length; start += 50) {
    await Promise.all(entries.slice(start, start + 50).map(([key, value]) => kv.put(key, value)));
  }
}

/** Bindings beyond KV, for scenarios that need them: the RateLimiter and CircuitBreaker Durable Objects and the analytics Queue. */
export interface GatewayFeatures {
  rateLimiter?: boolean;
  circuitBreaker?: boolean;
  analyticsQueue?: boolean;
  /** With the queue: a second Worker consumes it and counts the records (its fetch answers `{ "records": n }`), so none pile up. */
  analyticsSink?: boolean;
}

export const analyticsSinkName = "analytics-sink";

const analyticsSinkSource = `let records = 0;
export default {
  async queue(batch) { records += batch.messages.length; batch.ackAll(); },
  async fetch() { return Response.json({ records }); },
};`;

function analyticsSinkWorker(config: WorkerConfig): WorkerOptions {
  return {
    config: {
      name: analyticsSinkName,
      compatibilityDate: config.compatibilityDate,
      manifest: { mainModule: "index.js", modules: { "index.js": { type: "esm", contents: analyticsSinkSource } } },
      triggers: [{ type: "queue", name: "portcullis-analytics", maxBatchSize: 100, maxBatchTimeout: 1 }],
    },
  };
}

/** The gateway with real Miniflare KV as GATEWAY_KV (and the features asked for), seeded before its first request. */
export async function startGateway(
  name: string,
  bundle: Bundle,
  config: WorkerConfig,
  entries: StoreSeed,
  options: RuntimeOptions = {},
  features: GatewayFeatures = {},
): Promise<Contestant> {
  const env: Env = { ...gatewayBindings(config), GATEWAY_KV: { type: "kv", id: kvNamespaceId } };
  const objects: NonNullable<WorkerExports> = {};
  if (features.rateLimiter) {
    env.RATE_LIMITER = { type: "durable-object", worker: "gateway", exportName: "RateLimiter" };
    objects.RateLimiter = { type: "durable-object", storage: "sqlite" };
    env[benchEdgeBinding] = { type: "rate-limit", namespace: "1101", simple: benchEdgeRate };
  }
  if (features.circuitBreaker) {
    env.CIRCUIT_BREAKER = { type: "durable-object", worker: "gateway", exportName: "CircuitBreaker" };
    objects.CircuitBreaker = { type: "durable-object", storage: "sqlite" };
  }
  if (features.analyticsQueue) env.ANALYTICS_QUEUE = { type: "queue", name: "portcullis-analytics" };
  const exports = Object.keys(objects).length > 0 ? objects : undefined;
  const workers = [await workerOptions("gateway", bundle, config, env, true, exports)];
  if (features.analyticsQueue && features.analyticsSink) workers.push(analyticsSinkWorker(config));
  const gateway = await startContestant(name, workers, options);
  await seed(gateway.miniflare, "GATEWAY_KV", entries, "gateway");
  return gateway;
}

export interface CountingGateway extends Contestant {
  /** Store reads by operation and key since the last call, then starts counting afresh. */
  takeReadCounts(): Promise<Record<string, number>>;
}

/**
 * The gateway with GATEWAY_KV served by the bench's counting stand-in
 * (bench/kv-counter), which forwards to a real Miniflare KV namespace.
 * The gateway's code is unchanged; only the binding differs.
 */
export async function startCountingGateway(bundle: Bundle, counter: Bundle, config: WorkerConfig, entries: StoreSeed): Promise<CountingGateway> {
  const gatewayEnv: Env = { ...gatewayBindings(config), GATEWAY_KV: { type: "worker", worker: "kv-counter", exportName: "CountingKv" } };
  const gateway = await startContestant(
    "gateway (counting store reads)",
    [
      await workerOptions("gateway", bundle, config, gatewayEnv, true),
      await workerOptions("kv-counter", counter, config, { KV: { type: "kv", id: kvNamespaceId } }, false),
    ],
    {},
  );
  await seed(gateway.miniflare, "KV", entries, "kv-counter");
  return {
    ...gateway,
    async takeReadCounts() {
      const counterWorker = await gateway.miniflare.getWorker("kv-counter");
      const response = await counterWorker.fetch("http://kv-counter/");
      return (await response.json()) as Record<string, number>;
    },
  };
}
