import { readCredential } from "../../auth/credentials";
import { digests, hmacBase64, parseSignatureHeader, signingString, unescapedSignature, withinClockSkew } from "../../auth/hmac-signature";
import type { RequestContext } from "../../chain/context";
import { constantTimeEqual } from "../../lib/constant-time";
import { messages, TykError } from "../../lib/tyk-error";
import { sessionWithPolicies } from "../policies";
import type { Authenticator } from "./options";

/*
 * Tyk's HMAC request signatures; the scheme is in src/auth/hmac-signature.ts.
 * Every failure is Tyk's one 400, so a caller learns nothing about which part
 * was wrong. Only HMAC algorithms are supported; Tyk's `rsa-sha256` needs its
 * certificate store, and an unknown algorithm fails here where Tyk would use
 * hmac-sha1.
 */

const invalid = () => new TykError(400, messages.hmacInvalid);

async function secretFor(ctx: RequestContext, keyId: string) {
  const found = keyId ? await ctx.gateway.keys.lookup(keyId, ctx.api.orgId, ctx.waitUntil) : null;
  if (!found) return null;
  const merged = await sessionWithPolicies(ctx, found.session);
  const enabled = merged !== null && (merged.hmac_enabled || merged.enable_http_signature_validation);
  return enabled && found.session.hmac_string ? { found, secret: found.session.hmac_string } : null;
}

export const authenticateHmac: Authenticator = async (ctx, options) => {
  const { allowedAlgorithms, clockSkewMs, config } = options.hmac;
  const header = readCredential(ctx.request, ctx.url, config);
  const fields = header ? parseSignatureHeader(header) : null;
  if (!fields) throw invalid();
  const digest = digests[fields.algorithm];
  if (!digest || (allowedAlgorithms.length > 0 && !allowedAlgorithms.includes(fields.algorithm))) throw invalid();
  const presented = unescapedSignature(fields.signature);
  const key = await secretFor(ctx, fields.keyId);
  if (presented === null || !key) throw invalid();
  const expected = await hmacBase64(key.secret, digest, signingString(ctx.request, ctx.url, fields.headers));
  if (!(await constantTimeEqual(expected, presented))) throw invalid();
  if (!withinClockSkew(ctx.request, clockSkewMs)) throw invalid();
  return { session: key.found.session, sessionId: key.found.storageId };
};
