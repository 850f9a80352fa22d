declare namespace Cloudflare {
  interface Env {
    REVOCATIONS: DurableObjectNamespace<import("../../src/revocation/durable-object").Revocations>;
  }
}
