import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { unstable_readConfig } from "wrangler";
import { bundleWorker, readWorkerConfig, type WorkerConfig } from "../../../../../bench/bundle";
import { queueCaptureWorker } from "../../../../../test/analytics/support/capture-worker";

/*
 * The gateway and the analytics pump as deployed, each in Miniflare: the
 * gateway's process holds the real analytics queue (Miniflare keeps a queue
 * in the memory of the process that hosts its consumer, as Cloudflare keeps
 * it in the Queues service), the pump runs in a process of its own, so the
 * test can kill it and start it again without losing what is queued.
 */

const repo = fileURLToPath(new URL("../../../../../", import.meta.url).href);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url).href);

export const adminSecret = "end-to-end-secret";

export interface Bundles {
  gateway: string;
  pump: string;
  link: string;
  host: string;
  gatewayConfig: WorkerConfig;
  pumpConfig: WorkerConfig;
  consumer: { queue: string; maxBatchSize: number; maxBatchTimeout: number; maxRetries: number; deadLetterQueue: string };
}

/** A small worker of this folder, bundled by esbuild. */
async function shim(file: string): Promise<string> {
  const result = await build({
    entryPoints: [here(file)],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    write: false,
    logLevel: "error",
  });
  return result.outputFiles[0]!.text;
}

/** Both Workers bundled by wrangler exactly as `wrangler deploy` would, and the pump's queue consumer settings from its wrangler.toml. */
export async function bundleAll(): Promise<Bundles> {
  const out = mkdtempSync(join(tmpdir(), "portcullis-e2e-"));
  const gatewayToml = join(repo, "wrangler.toml");
  const pumpToml = join(repo, "analytics-pump/wrangler.toml");
  const [gateway, pump, link, host] = await Promise.all([
    bundleWorker(gatewayToml, join(out, "gateway"), repo),
    bundleWorker(pumpToml, join(out, "pump"), repo),
    shim("./pump-link.worker.ts"),
    shim("./pump-host.worker.ts"),
  ]);
  const consumer = unstable_readConfig({ config: pumpToml, env: undefined }, {}).queues.consumers?.[0];
  if (!consumer?.dead_letter_queue) throw new Error("analytics-pump/wrangler.toml has no queue consumer with a dead-letter queue");
  return {
    gateway: readFileSync(gateway.scriptPath, "utf8"),
    pump: readFileSync(pump.scriptPath, "utf8"),
    link,
    host,
    gatewayConfig: readWorkerConfig(gatewayToml),
    pumpConfig: readWorkerConfig(pumpToml),
    consumer: {
      queue: consumer.queue,
      maxBatchSize: consumer.max_batch_size ?? 10,
      maxBatchTimeout: consumer.max_batch_timeout ?? 5,
      maxRetries: consumer.max_retries ?? 3,
      deadLetterQueue: consumer.dead_letter_queue,
    },
  };
}

const esModule = (contents: string) => [{ type: "ESModule" as const, path: "index.js", contents }];

/**
 * The gateway's process: the gateway (reachable on its own loopback port), the
 * analytics queue with its consumer (the link to the pump at `pumpAddress`) and
 * a capture of the dead-letter queue.
 */
export async function startGatewayProcess(bundles: Bundles, pumpAddress: string, logs: string[]): Promise<{ miniflare: Miniflare; origin: string }> {
  const { gatewayConfig: config, consumer } = bundles;
  const miniflare = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      logRequests: false,
      handleStructuredLogs: (log) => void logs.push(`gateway process ${log.level}: ${log.message}`),
      workers: [
        {
          name: "gateway",
          modules: esModule(bundles.gateway),
          compatibilityDate: config.compatibilityDate,
          compatibilityFlags: config.compatibilityFlags,
          bindings: { ...config.vars, TYK_GW_SECRET: adminSecret, PORTCULLIS_CONFIG_CHECK_SECONDS: "0" },
          kvNamespaces: { GATEWAY_KV: "end-to-end-gateway-kv" },
          queueProducers: { ANALYTICS_QUEUE: { queueName: consumer.queue } },
          unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
        },
        {
          name: "pump-link",
          modules: esModule(bundles.link),
          compatibilityDate: config.compatibilityDate,
          serviceBindings: { PUMP: { external: { address: pumpAddress, http: {} } } },
          queueConsumers: {
            [consumer.queue]: {
              maxBatchSize: consumer.maxBatchSize,
              maxBatchTimeout: consumer.maxBatchTimeout,
              maxRetries: consumer.maxRetries,
              deadLetterQueue: consumer.deadLetterQueue,
            },
          },
        },
        queueCaptureWorker("dead-letters", [consumer.deadLetterQueue]),
      ],
    }),
  );
  await miniflare.ready;
  return { miniflare, origin: (await miniflare.unsafeGetDirectURL("gateway")).origin };
}

export interface PumpSettings {
  /** Where the pump's D1 database lives between its processes. */
  persistDir: string;
  port: number;
  postgresUrl: string;
  clickhouseUrl: string;
}

/** The pump's process: the pump with all three sinks, and the door the link posts deliveries to on `port`. */
export async function startPumpProcess(bundles: Bundles, settings: PumpSettings, logs: string[]): Promise<Miniflare> {
  const { pumpConfig: config, consumer } = bundles;
  const miniflare = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      logRequests: false,
      resourcePersistencePath: settings.persistDir,
      handleStructuredLogs: (log) => void logs.push(`pump process ${log.level}: ${log.message}`),
      workers: [
        {
          name: "pump-host",
          modules: esModule(bundles.host),
          compatibilityDate: config.compatibilityDate,
          compatibilityFlags: ["service_binding_extra_handlers"],
          serviceBindings: { PUMP: "pump" },
          unsafeDirectSockets: [{ host: "127.0.0.1", port: settings.port }],
        },
        {
          name: "pump",
          modules: esModule(bundles.pump),
          compatibilityDate: config.compatibilityDate,
          compatibilityFlags: config.compatibilityFlags,
          bindings: {
            ...config.vars,
            ANALYTICS_SINKS: "d1,postgres,clickhouse",
            CLICKHOUSE_URL: settings.clickhouseUrl,
            PUMP_RETRY_BASE_SECONDS: "1",
            PUMP_RETRY_MAX_SECONDS: "2",
          },
          hyperdrives: { HYPERDRIVE: settings.postgresUrl },
          d1Databases: { ANALYTICS_DB: "portcullis-analytics-local" },
          queueProducers: { DEAD_LETTER_QUEUE: { queueName: consumer.deadLetterQueue } },
        },
      ],
    }),
  );
  await miniflare.ready;
  return miniflare;
}
