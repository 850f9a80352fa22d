import type { ResponseFlag } from "./error-flags";

/**
 * An error the gateway answers with Tyk's error document. Steps throw it; the
 * chain's error boundary renders it (see `renderTykError`).
 */
export class TykError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Tyk's error classification, when the message alone does not tell it (see `responseFlagOf` in error-flags.ts). */
    readonly flag?: ResponseFlag,
  ) {
    super(message);
    this.name = "TykError";
  }

  /** The same answer with more headers (rate-limit headers on an error raised further down the chain). */
  withHeaders(headers: Record<string, string>): TykError {
    return new TykError(this.status, this.message, { ...this.headers, ...headers }, this.flag);
  }
}

/**
 * Every message the gateway answers a proxied request with, verbatim from Tyk
 * where Tyk has one, so clients that match on them keep working.
 */
export const messages = {
  authFieldMissing: "Authorization field missing",
  keyNotFound: "Access to this API has been disallowed",
  keyExpired: "Key has expired, please renew",
  keyInactive: "Key is inactive, please renew",
  resourceDisallowed: "Access to this resource has been disallowed",
  endpointForbidden: "Requested endpoint is forbidden",
  versionNotFound: "Version information not found",
  versionDoesNotExist: "This API version does not seem to exist",
  versionExpired: "Api Version has expired, please check documentation or contact administrator",
  apiExpired: "API has expired, please check documentation or contact administrator",
  proxyFailed: "There was a problem proxying the request",
  upstreamTimeout: "Upstream service reached hard timeout.",
  upstreamLookupFailed: "Upstream host lookup failed",
  breakerOpen: "Service temporarily unavailable.",
  internal: "An error occured that should have not been possible",
  /** Go's `http.StatusText(500)`: Tyk's answer when a version falls back to a default it cannot find. */
  internalServerError: "Internal Server Error",
  /** A plugin threw (Tyk's coprocess dispatch error). */
  pluginFailed: "Middleware error",
  basicMalformedHeader: "Attempted access with malformed header, header not in basic auth format",
  basicMalformedEncoding: "Attempted access with malformed header, auth data not encoded correctly",
  basicMalformedValues: "Attempted access with malformed header, values not in basic auth format",
  basicUserNotAuthorised: "User not authorised",
  basicBodyMissing: (field: "username" | "password") => `Body do not contain ${field}`,
  basicBodyNoGroup: (field: "username" | "password") => `${field} should be inside regexp match group`,
  hmacInvalid: "Authorization field missing, malformed or invalid",
  jwtNotAuthorized: "Key not authorized",
  jwtUnexpectedAlgorithm: "Key not authorized: Unexpected signing method",
  jwtClaims: (reason: string) => `Key not authorized: ${reason}`,
  jwtPolicy: (reason: string) => `key not authorized: ${reason}`,
  jwtEmptyBaseClaim: (claim: string) => `found an empty user ID in predefined base claim, claim: ${claim}`,
  jwtEmptySubClaim: "found an empty user ID in sub claim",
  jwtNoIdentityClaim: "no suitable claims for user ID were found",
  jwtExpired: "token has expired",
  jwtUsedBeforeIssued: "token used before issued",
  jwtNotValidYet: "token is not valid yet",
  oidcNotAuthorised: "Key not authorised",
  oauthBearerMalformed: "Bearer token malformed",
  oauthKeyNotAuthorised: "Key not authorised",
  oauthClientRevoked: "Key not authorised. OAuth client access was revoked",
  externalOAuthFieldMissing: "authorization field missing",
  externalOAuthNoProvider: "there should be at least one provider configured",
  externalOAuthNoMethod: "access token validation method is not specified",
  externalOAuthValidationFailed: "error happened during the access token validation",
  externalOAuthTokenInvalid: "access token is not valid",
  externalOAuthTokenExpired: "token is expired",
  externalOAuthVerification: (reason: string) => `token verification failed: ${reason}`,
  externalOAuthClaims: (reason: string) => `key not authorized: ${reason}`,
  rateLimited: "Rate Limit Exceeded",
  quotaExceeded: "Quota exceeded",
  apiRateLimited: "API Rate Limit Exceeded",
  limiterUnavailable: "Rate limiter unavailable",
  ipDisallowed: "access from this IP has been disallowed",
  mtlsCertificateRequired: "Client TLS certificate is required",
  mtlsCertificateNotAllowed: (fingerprint: string) => `Certificate with SHA256 ${fingerprint} not allowed`,
  mtlsCertificateExpired: "certificate has expired",
  /** Portcullis only: Cloudflare could not verify the client's certificate chain (or found it revoked). */
  mtlsCertificateUnverified: "Client TLS certificate could not be verified",
  certificateExpired: "Certificate has expired",
  hmacCertificateNotFound: "Certificate not found",
  hmacCertificateNotRsa: "Certificate doesn't contain RSA Public key",
  requestTooLarge: "Request is too large",
  contentLengthRequired: "Content length is required for this request",
  contentLengthInvalid: "content length is not a valid Integer",
  jsonParseError: (reason: string) => `JSON parsing error: ${reason}`,
  methodNotAllowed: "Method not allowed",
  /** Portcullis only: Tyk's internal looping (`tyk://` rewrite targets) is not implemented. */
  loopingNotSupported: "URL rewrite to tyk:// (internal looping) is not supported by this gateway",
  /** Portcullis only: the definition asks for something that restricts callers and is not implemented. */
  notServed: (fields: string[]) => `This API is not served: ${fields.join(", ")} ${fields.length === 1 ? "is" : "are"} not supported by this gateway`,
} as const;

const xmlContentTypes = ["application/xml", "text/xml", "application/soap+xml"];

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * Tyk's error template: pretty-printed JSON with four-space indent, or
 * `<error>` XML when the client sent an XML body.
 */
export function renderTykError(error: TykError, request: Request, hideGenerator: boolean): Response {
  const contentType = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase() ?? "";
  const xml = xmlContentTypes.includes(contentType);
  const headers = new Headers(error.headers);
  headers.set("content-type", xml ? contentType : "application/json");
  if (!hideGenerator) headers.set("x-generator", "tyk.io");
  const body = xml ? `<error>${escapeXml(error.message)}</error>` : JSON.stringify({ error: error.message }, null, 4);
  return new Response(body, { status: error.status, headers });
}
