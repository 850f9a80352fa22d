/*
 * The one rule for "who is calling", used by the proxy (X-Forwarded-For), IP
 * lists and analytics alike. On Cloudflare, `CF-Connecting-IP` is set by the
 * edge and a client cannot forge it. `X-Forwarded-For` (its first hop) and
 * `X-Real-IP` are trusted only when the operator says a trusted proxy sets
 * them (PORTCULLIS_TRUST_FORWARDED_FOR, for workerd behind another proxy),
 * because any client can send them.
 */
export function clientIp(headers: Headers, trustForwardedFor: boolean): string {
  const edge = headers.get("cf-connecting-ip")?.trim();
  if (edge) return edge;
  if (!trustForwardedFor) return "";
  const forwarded = headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || headers.get("x-real-ip")?.trim() || "";
}
