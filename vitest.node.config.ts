import { defineConfig } from "vitest/config";

/**
 * Node-side tests (kv-seed, scripts): plain Node, not workerd. They spawn real
 * wrangler, redis-server and CLI processes, hence the long timeouts.
 */
export default defineConfig({
  test: {
    // test/node needs nothing external (npm test); test/integration-node needs redis-server (npm run test:integration).
    include: ["test/node/**/*.test.ts", "test/integration-node/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
