declare namespace Cloudflare {
  interface Env {
    /** wrangler.toml's Analytics Engine dataset for request metrics. */
    METRICS: AnalyticsEngineDataset;
  }
}
