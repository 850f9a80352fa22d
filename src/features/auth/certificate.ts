import type { AuthConfig } from "../../auth/credentials";
import { fingerprintLength, isExpired } from "../../certs/certificate";
import { clientCertificateOf } from "../../certs/client-certificate";
import type { RequestContext } from "../../chain/context";
import { messages, TykError } from "../../lib/tyk-error";
import type { FoundSession } from "../../session/key-store";
import type { Session } from "../../session/schema";

/*
 * Client certificates in the auth token check (Tyk's mw_auth_key.go), from
 * what Cloudflare verified at the TLS handshake (src/certs/client-certificate.ts):
 *
 * - `use_certificate`: a request without a key is identified by its
 *   certificate; the key is the certificate's id (org id + SHA-256 hex), which
 *   must be in the certificate store and not expired.
 * - A session with a `certificate` (a certificate id) is bound to it: the
 *   request must present that certificate, and it must be in the store and
 *   not expired. Tyk (legacy mode) instead re-points the session at whatever
 *   certificate the request presents, and only on `use_certificate` APIs;
 *   Portcullis never rewrites a session on a request and enforces the binding
 *   on every API, so a key bound to a certificate is worthless without it.
 */

/** `use_certificate` of the auth token's settings (the schema keeps unknown fields, so it is read here). */
export function usesCertificate(config: AuthConfig): boolean {
  return config["use_certificate"] === true;
}

/** The stored, unexpired certificate with this id, else Tyk's 403. */
async function storedCertificate(ctx: RequestContext, id: string) {
  const stored = await ctx.gateway.certificates.get(id, ctx.waitUntil);
  if (!stored?.certificate) throw new TykError(403, messages.keyNotFound);
  if (isExpired(stored)) throw new TykError(403, messages.certificateExpired);
  return stored;
}

/** The fingerprint of the certificate Cloudflare verified for this request, or null when none was presented. */
function verifiedFingerprint(ctx: RequestContext): string | null {
  const presented = clientCertificateOf(ctx.request);
  if (presented.status === "absent") return null;
  if (presented.status === "unverified") {
    ctx.log.info("client certificate refused: Cloudflare did not verify it", { reason: presented.reason });
    throw new TykError(403, messages.mtlsCertificateUnverified);
  }
  return presented.fingerprint;
}

/** A request without a key on a `use_certificate` API: the session stored under the certificate's id. */
export async function sessionByCertificate(ctx: RequestContext): Promise<{ key: string; found: FoundSession }> {
  const fingerprint = verifiedFingerprint(ctx);
  if (fingerprint === null) throw new TykError(401, messages.authFieldMissing);
  const key = ctx.api.orgId + fingerprint;
  await storedCertificate(ctx, key);
  const found = await ctx.gateway.keys.lookup(key, ctx.api.orgId, ctx.waitUntil);
  if (!found) throw new TykError(403, messages.keyNotFound);
  return { key, found };
}

/** A session bound to a certificate is only good with that certificate (Tyk's `auth.cert_mismatch`: 403). */
export async function checkCertificateBinding(ctx: RequestContext, session: Session): Promise<void> {
  const bound = session["certificate"];
  if (typeof bound !== "string" || bound === "") return;
  const fingerprint = verifiedFingerprint(ctx);
  if (fingerprint === null || bound.slice(-fingerprintLength).toLowerCase() !== fingerprint) throw new TykError(403, messages.keyNotFound);
  await storedCertificate(ctx, bound);
}
