import * as z from "zod";

/*
 * On Workers the TLS handshake ends at Cloudflare's edge, which reports the
 * client certificate it saw in `request.cf.tlsClientAuth` (set only when the
 * zone asks clients for certificates: see docs/mutual-tls.md). The runtime
 * fills `request.cf`; no header a client sends can set it. A certificate
 * counts only when Cloudflare verified its chain (`certVerified: "SUCCESS"`)
 * and has not seen it revoked.
 */

export type ClientCertificate =
  | { status: "absent" }
  | { status: "unverified"; reason: string }
  /** `fingerprint`: lower-case SHA-256 hex of the certificate's DER. */
  | { status: "verified"; fingerprint: string };

const tlsClientAuthSchema = z.looseObject({
  certPresented: z.string().default("0"),
  certVerified: z.string().default("NONE"),
  certRevoked: z.string().default("0"),
  certFingerprintSHA256: z.string().default(""),
});

const sha256Hex = /^[0-9a-f]{64}$/;
const absent: ClientCertificate = { status: "absent" };

export function clientCertificateOf(request: Request): ClientCertificate {
  const cf: unknown = request.cf;
  const raw = typeof cf === "object" && cf !== null ? (cf as { tlsClientAuth?: unknown }).tlsClientAuth : undefined;
  if (raw === undefined || raw === null) return absent;
  const parsed = tlsClientAuthSchema.safeParse(raw);
  if (!parsed.success) return { status: "unverified", reason: "tlsClientAuth is not in Cloudflare's shape" };
  const auth = parsed.data;
  if (auth.certPresented !== "1") return absent;
  if (auth.certVerified !== "SUCCESS") return { status: "unverified", reason: auth.certVerified };
  if (auth.certRevoked === "1") return { status: "unverified", reason: "revoked" };
  const fingerprint = auth.certFingerprintSHA256.toLowerCase();
  if (!sha256Hex.test(fingerprint)) return { status: "unverified", reason: "no SHA-256 fingerprint" };
  return { status: "verified", fingerprint };
}
