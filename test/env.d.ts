declare namespace Cloudflare {
  interface Env {
    GATEWAY_KV: KVNamespace;
  }
}
