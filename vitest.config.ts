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
        },
        // A test-only consumer of the analytics queue, so tests can read what the gateway sent.
        serviceBindings: { ANALYTICS_CAPTURE: "analytics-capture" },
        workers: [queueCaptureWorker("analytics-capture", ["portcullis-analytics"])],
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/integration/**", "test/integration-node/**", "test/node/**"],
    globalSetup: ["./test/global-setup.ts"],
  },
});
