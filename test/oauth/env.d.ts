declare namespace Cloudflare {
  interface Env {
    OAUTH_GRANTS: DurableObjectNamespace<import("../../src/oauth/grants-object").OAuthGrants>;
  }
}
