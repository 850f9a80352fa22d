import { importRsaVerifyKey } from "../../auth/hmac-rsa";
import type { RequestContext } from "../../chain/context";
import { messages, TykError } from "../../lib/tyk-error";
import type { FoundSession } from "../../session/key-store";
import { sessionWithPolicies } from "../policies";

/*
 * Where an `rsa-sha256` signature's public key comes from: the key named by
 * `keyId` must have `enable_http_signature_validation` and an
 * `rsa_certificate_id`, the id of a certificate (or bare public key) in the
 * certificate store. A missing certificate or a non-RSA key is the
 * operator's mistake, so it is Tyk's 500, not the client's 400.
 */

export interface RsaSigner {
  found: FoundSession;
  key: CryptoKey;
}

/** The key's session and RSA public key, or null when the key cannot sign with RSA (the caller answers 400). */
export async function rsaSignerFor(ctx: RequestContext, keyId: string): Promise<RsaSigner | null> {
  const found = keyId ? await ctx.gateway.keys.lookup(keyId, ctx.api.orgId, ctx.waitUntil) : null;
  if (!found) return null;
  const merged = await sessionWithPolicies(ctx, found.session);
  const certificateId = found.session["rsa_certificate_id"];
  if (merged === null || !merged.enable_http_signature_validation || typeof certificateId !== "string" || certificateId === "") return null;
  const stored = await ctx.gateway.certificates.get(certificateId, ctx.waitUntil);
  if (!stored) throw new TykError(500, messages.hmacCertificateNotFound);
  if (stored.publicKey.algorithm !== "rsa") throw new TykError(500, messages.hmacCertificateNotRsa);
  // Ids are content addresses, so an imported key stays right for its id.
  const cacheKey = `hmac-rsa:${stored.id}`;
  const caches = ctx.gateway.caches.verificationKeys;
  let imported = caches.get(cacheKey);
  if (!imported) {
    imported = importRsaVerifyKey(stored.publicKey.spki);
    caches.set(cacheKey, imported);
  }
  const key = await imported.catch(() => null);
  if (!(key instanceof CryptoKey)) {
    caches.delete(cacheKey);
    throw new TykError(500, messages.hmacCertificateNotRsa);
  }
  return { found, key };
}
