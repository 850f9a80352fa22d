/*
 * The one rule for "who is calling", used by the IP allow and block lists,
 * analytics (address and ignored IPs), the `remote_addr` context variable and
 * the X-Forwarded-For the upstream gets.
 *
 * A Worker never sees the socket, only headers, and any client can send any
 * header. An address is believed only from the header the operator names in
 * PORTCULLIS_CLIENT_IP_HEADER: the one the proxy in front of the gateway sets,
 * replacing whatever the client sent.
 *
 * - `cf-connecting-ip` on Cloudflare: the edge sets it to the address that
 *   connected to it. wrangler.toml sets this for deployments.
 * - `x-forwarded-for` behind a proxy that appends the address it saw: the last
 *   entry is that proxy's; the ones before it are whatever the client sent.
 * - any other name (`x-real-ip`, `true-client-ip`, …): the whole value.
 * - empty (the default): no address is known. `wrangler dev`, Miniflare and a
 *   bare workerd pass a client's `CF-Connecting-IP` through unchanged, so there
 *   it proves nothing; IP lists then refuse every request (src/features/ip-lists.ts).
 */

/** RFC 9110 `token`, lower-cased: the form a configured header name must have. */
export const clientIpHeaderPattern = /^[!#$%&'*+\-.^_`|~0-9a-z]*$/;

export function clientIp(headers: Headers, trustedHeader: string): string {
  if (!trustedHeader) return "";
  const value = headers.get(trustedHeader);
  if (value === null) return "";
  if (trustedHeader === "x-forwarded-for") return value.split(",").at(-1)!.trim();
  return value.trim();
}
