import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const scriptPath = fileURLToPath(new URL("./queue-capture.worker.mjs", import.meta.url).href);

/**
 * Miniflare options for the test-only consumer of the named queues (see
 * queue-capture.worker.mjs). Used from vitest configs, in Node.
 */
export function queueCaptureWorker(name: string, queues: string[]) {
  return {
    name,
    modules: true,
    scriptPath,
    modulesRoot: dirname(scriptPath),
    compatibilityDate: "2026-11-01",
    queueConsumers: Object.fromEntries(queues.map((queue) => [queue, { maxBatchSize: 100, maxBatchTimeout: 0 }])),
  };
}
