import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

import { testSecret } from "./test/support/constants.ts";
import { reserveHarness } from "./test/integration/support/harness.ts";

/**
 * Integration suite: the gateway on the Upstash backend, against a real
 * redis-server behind a loopback Upstash REST adapter (test/integration/global-setup.ts).
 * Files share that one Redis, so they run one at a time.
 */
export default defineConfig(async () => {
  const { adapterUrl, token } = await reserveHarness();
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TYK_GW_SECRET: testSecret,
            PORTCULLIS_CONFIG_CHECK_SECONDS: "0",
            // /hello reuses its store check this long; short, so the health tests see Redis stop and start.
            TYK_GW_LIVENESSCHECK_CHECKDURATION: "0.2",
            TYK_GW_STORAGE_TYPE: "upstash",
            UPSTASH_REDIS_REST_URL: adapterUrl,
            UPSTASH_REDIS_REST_TOKEN: token,
          },
        },
      }),
    ],
    test: {
      include: ["test/integration/**/*.test.ts"],
      globalSetup: ["./test/integration/global-setup.ts"],
      fileParallelism: false,
    },
  };
});
