/** Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection and never cross the proxy. */
const hopByHop = ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"];

/** RFC 9110 `token`: anything else in `Connection` cannot name a header (and `Headers.delete` would throw on it). */
const headerName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The header names a message's `Connection` header lists (its other options, such as `close`, name no header). */
function namedInConnection(headers: Headers): string[] {
  const value = headers.get("connection");
  if (!value) return [];
  return value
    .split(",")
    .map((name) => name.trim())
    .filter((name) => headerName.test(name));
}

/**
 * Removes the hop-by-hop headers and the headers `sent`'s `Connection` names.
 * For a response, `sent` is the response itself. For a request, it is what the
 * client sent: a named header goes only while it still holds the client's
 * value, so naming a header the gateway added or changed (global headers,
 * header transforms, context variables) cannot strip it on the way upstream.
 *
 * Only what the Worker sees can be removed: a runtime that consumed
 * `Connection` before the Worker ran (wrangler dev does) leaves the headers it
 * named in place (docs/request-shaping.md).
 */
export function removeHopByHopHeaders(headers: Headers, sent: Headers = headers): void {
  for (const name of namedInConnection(sent)) {
    const value = sent.get(name);
    if (value !== null && headers.get(name) === value) headers.delete(name);
  }
  for (const name of hopByHop) headers.delete(name);
}

/**
 * X-Forwarded-For gets the client appended (as Tyk does); Proto and Host
 * describe the request the client made to the gateway.
 */
export function setForwardedHeaders(headers: Headers, request: Request, url: URL, ip: string): void {
  if (ip) {
    const prior = headers.get("x-forwarded-for");
    headers.set("x-forwarded-for", prior ? `${prior}, ${ip}` : ip);
  }
  headers.set("x-forwarded-proto", url.protocol.slice(0, -1));
  headers.set("x-forwarded-host", request.headers.get("host") ?? url.host);
}
