/** Hop-by-hop headers (RFC 9110 §7.6.1) never cross the proxy, nor anything `Connection` names. */
const hopByHop = ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"];

export function removeHopByHopHeaders(headers: Headers): void {
  const named = headers.get("connection");
  if (named) for (const name of named.split(",")) headers.delete(name.trim());
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
