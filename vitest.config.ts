import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

import { testSecret } from "./test/support/constants.ts";
import { queueCaptureWorker } from "./test/analytics/support/capture-worker.ts";

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          TYK_GW_SECRET: testSecret,
          PORTCULLIS_CONFIG_CHECK_SECONDS: "0",
          // Tests play Cloudflare's edge by sending CF-Connecting-IP (a local .dev.vars may empty the setting).
          PORTCULLIS_CLIENT_IP_HEADER: "cf-connecting-ip",
          // Event webhooks: retries one second apart, a one-second wait for the receiver (test/events).
          PORTCULLIS_EVENT_RETRY_SECONDS: "1",
          PORTCULLIS_EVENT_WEBHOOK_TIMEOUT_SECONDS: "1",
        },
        // Edge mode's Rate Limiting bindings (test/ratelimit/edge.test.ts), named after the rate they count.
        ratelimits: {
          EDGE_RATE_LIMIT_5_PER_10: { namespace_id: "9001", simple: { limit: 5, period: 10 } },
          EDGE_RATE_LIMIT_3_PER_60: { namespace_id: "9002", simple: { limit: 3, period: 60 } },
        },
        // The gateway consumes its own events queue; two retries keep the dead-letter test short.
        queueConsumers: { "portcullis-events": { maxBatchSize: 10, maxBatchTimeout: 0, maxRetries: 2, deadLetterQueue: "portcullis-events-dlq" } },
        // A test-only consumer of the analytics queue, so tests can read what the gateway sent.
        serviceBindings: { ANALYTICS_CAPTURE: "analytics-capture" },
        workers: [queueCaptureWorker("analytics-capture", ["portcullis-analytics", "portcullis-events-dlq"])],
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/integration/**", "test/integration-node/**", "test/node/**"],
    globalSetup: ["./test/global-setup.ts"],
  },
});
