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
 * (Deleting each name costs less in workerd than iterating the names to find
 * the few that are there.)
 *
 * Only what the Worker sees can be removed: a runtime that consumed
 * `Connection` before the Worker ran (wrangler dev does) leaves the headers it
 * named in place (docs/request-shaping.md).
 */
function removeHopByHopHeaders(headers: Headers, sent: Headers = headers): void {
  for (const name of namedInConnection(sent)) {
    const value = sent.get(name);
    if (value !== null && headers.get(name) === value) headers.delete(name);
  }
  for (const name of hopByHop) headers.delete(name);
}

/**
 * Readies the request headers for the upstream: hop-by-hop headers out, Host
 * out (fetch sends the target's), and X-Forwarded-For gets the client appended
 * (as Tyk does) while Proto and Host describe the request the client made to
 * the gateway.
 */
export function prepareUpstreamHeaders(headers: Headers, request: Request, url: URL, ip: string): void {
  removeHopByHopHeaders(headers, request.headers);
  headers.delete("host");
  if (ip) {
    const prior = headers.get("x-forwarded-for");
    headers.set("x-forwarded-for", prior ? `${prior}, ${ip}` : ip);
  }
  headers.set("x-forwarded-proto", url.protocol.slice(0, -1));
  headers.set("x-forwarded-host", request.headers.get("host") ?? url.host);
}

/** The upstream's answer without hop-by-hop headers, on a copy: a fetched answer's headers are immutable. */
export function withoutHopByHop(upstream: Response): Response {
  const answer = new Response(upstream.body, upstream);
  removeHopByHopHeaders(answer.headers);
  return answer;
}
