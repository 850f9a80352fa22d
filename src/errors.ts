/**
 * An error the gateway answers with Tyk's error document. Middleware throws it;
 * the app's error handler renders it (see `renderTykError`).
 */
export class TykError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "TykError";
  }
}

/** Tyk's messages, verbatim, so clients that match on them keep working. */
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
  internal: "An error occured that should have not been possible",
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
  const body = xml
    ? `<error>${escapeXml(error.message)}</error>`
    : JSON.stringify({ error: error.message }, null, 4);
  return new Response(body, { status: error.status, headers });
}
