declare namespace Cloudflare {
  interface Env {
    RATE_LIMITER: DurableObjectNamespace<import("../../src/ratelimit/durable-object").RateLimiter>;
  }
}
