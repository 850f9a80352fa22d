import { extractKey } from "../../auth/credentials";
import { messages, TykError } from "../../lib/tyk-error";
import { checkCertificateBinding, sessionByCertificate } from "./certificate";
import type { Authenticator } from "./options";

/**
 * Tyk's auth token (key) check: missing key is 401, unknown key is 403. The
 * session comes from the isolate cache; the store is read only on a miss.
 * Client certificates (`use_certificate`, certificate-bound keys): ./certificate.ts.
 */
export const authenticateToken: Authenticator = async (ctx, options) => {
  const key = extractKey(ctx.request, ctx.url, options.token);
  if (!key && options.tokenUsesCertificate) {
    const byCertificate = await sessionByCertificate(ctx);
    ctx.authToken = byCertificate.key;
    await checkCertificateBinding(ctx, byCertificate.found.session);
    return { session: byCertificate.found.session, sessionId: byCertificate.found.storageId };
  }
  if (!key) throw new TykError(401, messages.authFieldMissing);
  ctx.authToken = key;
  const found = await ctx.gateway.keys.lookup(key, ctx.api.orgId, ctx.waitUntil);
  // The flag tells an unknown key (Tyk's AKI) from a key without access, which shares the message.
  if (!found) throw new TykError(403, messages.keyNotFound, {}, "AKI");
  await checkCertificateBinding(ctx, found.session);
  return { session: found.session, sessionId: found.storageId };
};
