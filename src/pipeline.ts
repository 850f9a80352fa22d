import { authenticateToken } from "./auth/auth-token";
import { checkAccessRights } from "./middleware/access-rights";
import { checkGranularAccess } from "./middleware/granular-access";
import { injectGlobalHeaders } from "./middleware/global-headers";
import { checkKeyExpiry } from "./middleware/key-expiry";
import { resolveApi } from "./middleware/resolve-api";
import { rewriteUrl } from "./middleware/url-rewrite";
import { checkVersion } from "./middleware/version-check";
import { proxyToUpstream } from "./proxy/proxy";

/**
 * The request pipeline for proxied APIs, in Tyk's middleware order
 * (gateway/api_loader.go). Each step reads the compiled API definition and
 * passes straight through when the API does not use its feature.
 */
export const pipeline = [
  resolveApi, //          custom domain + longest listen_path → API, or 404 "Not Found"
  checkVersion, //        API/version expiry, version lookup, ignored/black/white lists, mock replies
  authenticateToken, //   auth token → session (skipped for keyless APIs and ignored paths)
  checkKeyExpiry, //      inactive / expired keys
  checkAccessRights, //   access_rights: API id and version
  checkGranularAccess, // access_rights.allowed_urls
  rewriteUrl, //          url_rewrites
  injectGlobalHeaders, // version global_headers / global_headers_remove
  proxyToUpstream, //     stream to target_url and back
] as const;
