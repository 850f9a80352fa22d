declare namespace Cloudflare {
  interface Env {
    ANALYTICS_QUEUE: Queue;
    /** The test-only queue consumer (support/queue-capture.worker.mjs). */
    ANALYTICS_CAPTURE: Fetcher;
  }
}
