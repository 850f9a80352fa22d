import { recordAnalytics } from "./analytics/recorder";
import { authenticate } from "./auth/chain";
import { checkAccessRights } from "./middleware/access-rights";
import { applySessionPolicies } from "./middleware/apply-policies";
import { checkGranularAccess } from "./middleware/granular-access";
import { injectGlobalHeaders } from "./middleware/global-headers";
import { checkKeyExpiry } from "./middleware/key-expiry";
import { resolveApi } from "./middleware/resolve-api";
import { rewriteUrl } from "./middleware/url-rewrite";
import { checkVersion } from "./middleware/version-check";
import { proxyToUpstream } from "./proxy/proxy";
import { enforceLimits } from "./ratelimit/middleware";

/**
 * The request pipeline for proxied APIs, in Tyk's middleware order
 * (gateway/api_loader.go). Each step reads the compiled API definition and
 * passes straight through when the API does not use its feature.
 */
export const pipeline = [
  recordAnalytics, //     wraps the rest: one analytics record per request to an API, errors included
  resolveApi, //          custom domain + longest listen_path → API, or 404 "Not Found"
  checkVersion, //        API/version expiry, version lookup, ignored/black/white lists, mock replies
  authenticate, //        basic → HMAC → JWT → auth token, all enabled must pass (skipped for keyless / ignored)
  applySessionPolicies, // apply_policies merged into the session (cached per snapshot)
  checkKeyExpiry, //      inactive / expired keys
  checkAccessRights, //   access_rights: API id and version
  checkGranularAccess, // access_rights.allowed_urls
  enforceLimits, //       key rate limit, quota, then API limits, each counted in a RateLimiter Durable Object
  rewriteUrl, //          url_rewrites
  injectGlobalHeaders, // version global_headers / global_headers_remove
  proxyToUpstream, //     stream to target_url and back
] as const;
