import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { unstable_readConfig } from "wrangler";
import { bundleWorker, readWorkerConfig } from "../../../../bench/bundle";

/*
 * What `npm start` runs, started from a test: the gateway and the analytics
 * pump as wrangler bundles them for deployment, in one Miniflare (as the one
 * `wrangler dev -c wrangler.toml -c analytics-pump/wrangler.toml` process of
 * `npm start`), joined by the real local analytics queue, the pump writing to
 * its local D1. Each Worker listens on a loopback port of its own.
 */

const repo = fileURLToPath(new URL("../../../../", import.meta.url).href);

export interface LocalStack {
  gateway: string;
  pump: string;
  logs: string[];
  stop(): Promise<void>;
}

const esModule = (contents: string) => [{ type: "ESModule" as const, path: "index.js", contents }];

/** Starts both Workers; `gatewaySecret` guards the Gateway API, `dashboardSecret` the dashboard. */
export async function startLocalStack(gatewaySecret: string, dashboardSecret: string): Promise<LocalStack> {
  const out = mkdtempSync(join(tmpdir(), "portcullis-dashboard-"));
  const gatewayToml = join(repo, "wrangler.toml");
  const pumpToml = join(repo, "analytics-pump/wrangler.toml");
  const [gatewayBundle, pumpBundle] = await Promise.all([
    bundleWorker(gatewayToml, join(out, "gateway"), repo),
    bundleWorker(pumpToml, join(out, "pump"), repo),
  ]);
  const gatewayConfig = readWorkerConfig(gatewayToml);
  const pumpConfig = readWorkerConfig(pumpToml);
  const consumer = unstable_readConfig({ config: pumpToml, env: undefined }, {}).queues.consumers?.[0];
  if (!consumer) throw new Error("analytics-pump/wrangler.toml has no queue consumer");
  const logs: string[] = [];
  const miniflare = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      logRequests: false,
      // What Cloudflare's edge would say about the client (never fetched: the test runs offline).
      cf: { country: "NL", city: "Amsterdam", timezone: "Europe/Amsterdam", colo: "AMS" },
      handleStructuredLogs: (log) => void logs.push(`${log.level}: ${log.message}`),
      workers: [
        {
          name: "gateway",
          modules: esModule(readFileSync(gatewayBundle.scriptPath, "utf8")),
          compatibilityDate: gatewayConfig.compatibilityDate,
          compatibilityFlags: gatewayConfig.compatibilityFlags,
          bindings: { ...gatewayConfig.vars, TYK_GW_SECRET: gatewaySecret, PORTCULLIS_CONFIG_CHECK_SECONDS: "0" },
          kvNamespaces: { GATEWAY_KV: "dashboard-test-gateway-kv" },
          queueProducers: { ANALYTICS_QUEUE: { queueName: consumer.queue } },
        },
        {
          name: "pump",
          modules: esModule(readFileSync(pumpBundle.scriptPath, "utf8")),
          compatibilityDate: pumpConfig.compatibilityDate,
          compatibilityFlags: pumpConfig.compatibilityFlags,
          bindings: { ...pumpConfig.vars, PUMP_DASHBOARD_SECRET: dashboardSecret },
          d1Databases: { ANALYTICS_DB: "portcullis-analytics-local" },
          // A shorter batch window than wrangler.toml's, so the test waits less for its records.
          queueConsumers: { [consumer.queue]: { maxBatchSize: consumer.max_batch_size ?? 100, maxBatchTimeout: 1 } },
          queueProducers: { DEAD_LETTER_QUEUE: { queueName: consumer.dead_letter_queue ?? "portcullis-analytics-dlq" } },
          unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
        },
      ],
    }),
  );
  // The gateway behind Miniflare's entry, which adds `request.cf` as `wrangler dev` does; the pump on its own socket.
  const gateway = await miniflare.ready;
  const pump = await miniflare.unsafeGetDirectURL("pump");
  return {
    gateway: gateway.origin,
    pump: pump.origin,
    logs,
    async stop() {
      await miniflare.dispose();
      rmSync(out, { recursive: true, force: true });
    },
  };
}
