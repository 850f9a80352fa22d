declare namespace Cloudflare {
  interface Env {
    CIRCUIT_BREAKER: DurableObjectNamespace<import("../../src/breaker/durable-object").CircuitBreaker>;
  }
}
