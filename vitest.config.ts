import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

import { testSecret } from "./test/support/constants.ts";

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          TYK_GW_SECRET: testSecret,
          PORTCULLIS_CONFIG_CHECK_SECONDS: "0",
        },
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/integration/**"],
    globalSetup: ["./test/global-setup.ts"],
  },
});
