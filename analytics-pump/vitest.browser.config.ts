import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url).href);

/**
 * The dashboard in a real headless Chromium, from Node: the gateway and the
 * pump in Miniflare on loopback, Debian's /usr/bin/chromium driven by
 * playwright-core. `npm run test:browser`.
 */
export default defineConfig({
  root: here("."),
  test: {
    include: ["test/browser/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
