import type { Feature } from "./chain/feature";
import { accessRights } from "./features/access-rights";
import { analytics } from "./features/analytics";
import { versionDispatch, versionRefusal } from "./features/api-versions";
import { authentication } from "./features/auth";
import { bodyTransform } from "./features/body-transform";
import { circuitBreakers } from "./features/circuit-breakers";
import { contextVars } from "./features/context-vars";
import { cors } from "./features/cors";
import { errorOverrides } from "./features/error-overrides";
import { eventHandlers } from "./features/event-handlers";
import { globalHeaders } from "./features/global-headers";
import { granularAccess } from "./features/granular-access";
import { hardTimeouts } from "./features/hard-timeouts";
import { ipAllowList, ipBlockList } from "./features/ip-lists";
import { keyExpiry } from "./features/key-expiry";
import { methodTransform } from "./features/method-transform";
import { metrics } from "./features/metrics";
import { mockResponse } from "./features/mock-response";
import { mutualTls } from "./features/mutual-tls";
import { oauthEndpoints } from "./features/oauth-endpoints";
import { postKeyAuthPlugins, postPlugins, prePlugins, responsePlugins } from "./features/plugin-hooks";
import { applySessionPolicies } from "./features/policies";
import { proxyToUpstream } from "./features/proxy";
import { rateLimits } from "./features/rate-limits";
import { responseCaching } from "./features/response-cache";
import { responseBodyTransform } from "./features/response-body-transform";
import { responseHeaders } from "./features/response-headers";
import { stripAuthData } from "./features/strip-auth-data";
import { transformHeaders } from "./features/transform-headers";
import { sizeLimits } from "./features/size-limits";
import { rewriteUrl } from "./features/url-rewrite";
import { validateJson } from "./features/validate-json";
import { validateRequest } from "./features/validate-request";
import { versionCheck } from "./features/version-check";
import { virtualEndpoints } from "./features/virtual-endpoints";

/**
 * The request pipeline: every feature, in Tyk's middleware order
 * (gateway/api_loader.go). Each API's chain is built from this list when a
 * config snapshot compiles, keeping only the features the API uses, so an API
 * pays nothing for a feature it does not use. Routing (custom domain + longest
 * listen path) picks the chain; see src/app.ts.
 */
export const pipeline: readonly Feature[] = [
  versionDispatch, //     definition.versions (Tyk OAS info.versioning): a request naming another version is served by that API's chain (before any base step)
  eventHandlers, //        event_handlers: hands later steps the API's handlers, so they can raise Tyk's events (src/events)
  analytics, //            wraps the rest: one record per request to an API, errors included
  metrics, //              METRICS binding: one Analytics Engine data point per request (status, latency, location, limited/cached); errors pass through
  oauthEndpoints, //       use_oauth2: answers {listen_path}oauth/authorize|token|revoke|revoke_all and tyk/oauth/authorize-client itself
  errorOverrides, //       error_overrides (+ TYK_GW_ERROROVERRIDES): every later step's error and upstream answers ≥ 400, replaced by the matching rule
  versionRefusal, //      definition.versions: no version (403) or an unknown one (404), Tyk's errors recorded under the base
  versionCheck, //         API/version expiry, version lookup, ignored/black/white lists, mock replies
  cors, //                 CORS: answers OPTIONS itself (preflight 204), CORS headers on every answer, errors included
  prePlugins, //           custom_middleware.pre: registered plugins (src/plugins) before IP lists and auth; may answer early
  ipAllowList, //          allowed_ips: 403 unless the caller's address is in the list (an unknown address is refused)
  ipBlockList, //          blacklisted_ips: 403 when the caller's address is in the list (an unknown address is refused)
  mutualTls, //            use_mutual_tls_auth: 403 unless Cloudflare verified a client certificate among client_certificates (keyless APIs too)
  sizeLimits, //           global_size_limit + extended_paths.size_limits: 411 without Content-Length, 400 over the limit
  contextVars, //          enable_context_vars: $tyk_context.* for later headers and rewrites
  authentication, //       OAuth2 → external OAuth → basic → HMAC → JWT → OIDC → auth_check plugin → auth token; all enabled must pass
  applySessionPolicies, // apply_policies merged into the session (cached per snapshot)
  postKeyAuthPlugins, //   custom_middleware.post_key_auth: plugins that see the session (policies merged), before strip auth and expiry
  stripAuthData, //        strip_auth_data: the credential never reaches the upstream
  keyExpiry, //            inactive / expired keys
  accessRights, //         access_rights: API id and version
  granularAccess, //       access_rights.allowed_urls
  rateLimits, //           key rate limit, quota, then API limits, each counted in a RateLimiter Durable Object
  validateJson, //         extended_paths.validate_json: JSON schema check of the body (400 / 422)
  validateRequest, //      extended_paths.validate_request (Tyk OAS validateRequest): parameters and body against the operation's schemas (422)
  bodyTransform, //        extended_paths.transform: the body through a Go template (JSON / XML input); Tyk runs it after ValidateJSON
  globalHeaders, //        version global_headers / global_headers_remove
  transformHeaders, //     extended_paths.transform_headers (first matching entry)
  responsePlugins, //      custom_middleware.response: plugins on the upstream's answer, after the built-in response transforms (Tyk's order)
  responseHeaders, //      transform_response_headers, global_response_headers*, header_injector: on the answer
  responseBodyTransform, // extended_paths.transform_response: the upstream's answer through a Go template. Inside the header
  //                       injector (Tyk transforms the body first) and before rewrites, as Tyk matches the path as it arrived
  methodTransform, //      method_transforms → upstream method
  rewriteUrl, //           url_rewrites, with triggers and context variables
  mockResponse, //         extended_paths.mock_response (Tyk OAS mockResponse): answers without the upstream; after auth and transforms, as in Tyk
  responseCaching, //      cache_options + extended_paths.cache/advance_cache_config: answers from the Cache API (x-tyk-cached-response), stores misses
  virtualEndpoints, //     extended_paths.virtual: a registered plugin answers ({Body, Headers, Code}); proxy_on_error goes on upstream instead of 500
  postPlugins, //          custom_middleware.post: plugins last before the proxy (they see the rewritten path and method)
  circuitBreakers, //      extended_paths.circuit_breakers: 503 while open, upstream failures counted (state shared in CircuitBreaker objects)
  hardTimeouts, //         hard_timeouts + global_enforce_timeout: the upstream timeout for the proxy (504 when it passes)
  proxyToUpstream, //      stream to target_url and back (the last step)
];
