import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url).href);

/**
 * Analytics end to end, from Node: the gateway and the pump each in their own
 * Miniflare (workerd) process, with the real PostgreSQL and ClickHouse that
 * test/integration/global-setup.ts starts on loopback. Part of `npm run test:analytics`.
 */
export default defineConfig({
  root: here("."),
  test: {
    include: ["test/integration/node/**/*.test.ts"],
    environment: "node",
    globalSetup: ["./test/integration/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
