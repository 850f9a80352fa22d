import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { queueCaptureWorker } from "../test/analytics/support/capture-worker.ts";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url).href);

/**
 * The pump in workerd writing to all three sinks at once: D1, a real
 * PostgreSQL cluster (through a Hyperdrive binding) and a real ClickHouse
 * server, both started on loopback by test/integration/global-setup.ts.
 * Files share those servers, so they run one at a time.
 */
export default defineConfig({
  root: here("."),
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: here("./wrangler.toml") },
      miniflare: {
        bindings: {
          ANALYTICS_SINKS: "d1,postgres,clickhouse",
          CLICKHOUSE_URL: inject("clickhouseUrl"),
          POSTGRES_URL: inject("postgresUrl"),
          SERVICE_CONTROL_URL: inject("serviceControlUrl"),
          PUMP_RETRY_BASE_SECONDS: "1",
          PUMP_RETRY_MAX_SECONDS: "2",
        },
        hyperdrives: { HYPERDRIVE: inject("postgresUrl") },
        queueProducers: { ANALYTICS_QUEUE: { queueName: "portcullis-analytics" } },
        serviceBindings: { QUEUE_CAPTURE: "queue-capture" },
        workers: [queueCaptureWorker("queue-capture", ["portcullis-analytics-dlq"])],
      },
    })),
  ],
  test: {
    include: ["test/integration/**/*.test.ts"],
    // Node-side: the end-to-end test runs under vitest.end-to-end.config.ts.
    exclude: ["test/integration/node/**"],
    globalSetup: ["./test/integration/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
