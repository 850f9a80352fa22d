declare namespace Cloudflare {
  interface Env {
    ANALYTICS_DB: D1Database;
    ANALYTICS_QUEUE: Queue;
    DEAD_LETTER_QUEUE: Queue;
    /** The test-only consumer of the dead-letter queue. */
    QUEUE_CAPTURE: Fetcher;
    POSTGRES_URL?: string;
    CLICKHOUSE_URL?: string;
    SERVICE_CONTROL_URL?: string;
  }
}
