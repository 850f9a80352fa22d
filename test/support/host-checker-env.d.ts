declare namespace Cloudflare {
  interface Env {
    HOST_CHECKER: DurableObjectNamespace<import("../../src/uptime/host-checker").HostChecker>;
  }
}
