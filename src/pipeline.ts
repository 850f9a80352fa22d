import type { Feature } from "./chain/feature";
import { accessRights } from "./features/access-rights";
import { analytics } from "./features/analytics";
import { authentication } from "./features/auth";
import { globalHeaders } from "./features/global-headers";
import { granularAccess } from "./features/granular-access";
import { keyExpiry } from "./features/key-expiry";
import { applySessionPolicies } from "./features/policies";
import { proxyToUpstream } from "./features/proxy";
import { rateLimits } from "./features/rate-limits";
import { stripAuthData } from "./features/strip-auth-data";
import { rewriteUrl } from "./features/url-rewrite";
import { versionCheck } from "./features/version-check";

/**
 * The request pipeline: every feature, in Tyk's middleware order
 * (gateway/api_loader.go). Each API's chain is built from this list when a
 * config snapshot compiles, keeping only the features the API uses, so an API
 * pays nothing for a feature it does not use. Routing (custom domain + longest
 * listen path) picks the chain; see src/app.ts.
 */
export const pipeline: readonly Feature[] = [
  analytics, //            wraps the rest: one record per request to an API, errors included
  versionCheck, //         API/version expiry, version lookup, ignored/black/white lists, mock replies
  authentication, //       basic → HMAC → JWT → auth token, all enabled must pass (not for keyless or ignored paths)
  applySessionPolicies, // apply_policies merged into the session (cached per snapshot)
  stripAuthData, //        strip_auth_data: the credential never reaches the upstream
  keyExpiry, //            inactive / expired keys
  accessRights, //         access_rights: API id and version
  granularAccess, //       access_rights.allowed_urls
  rateLimits, //           key rate limit, quota, then API limits, each counted in a RateLimiter Durable Object
  rewriteUrl, //           url_rewrites
  globalHeaders, //        version global_headers / global_headers_remove
  proxyToUpstream, //      stream to target_url and back (the last step)
];
