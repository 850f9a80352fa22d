import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { queueCaptureWorker } from "../test/analytics/support/capture-worker.ts";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url).href);

/**
 * The pump in workerd with its D1 sink and real Miniflare queues; needs no
 * external service. A test-only worker consumes the dead-letter queue so
 * tests can see what was dead-lettered.
 */
export default defineConfig({
  root: here("."),
  plugins: [
    cloudflareTest({
      wrangler: { configPath: here("./wrangler.toml") },
      miniflare: {
        bindings: { PUMP_RETRY_BASE_SECONDS: "1", PUMP_RETRY_MAX_SECONDS: "2" },
        queueProducers: { ANALYTICS_QUEUE: { queueName: "portcullis-analytics" } },
        serviceBindings: { QUEUE_CAPTURE: "queue-capture" },
        workers: [queueCaptureWorker("queue-capture", ["portcullis-analytics-dlq"])],
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/integration/**", "test/browser/**"],
    testTimeout: 60_000,
  },
});
