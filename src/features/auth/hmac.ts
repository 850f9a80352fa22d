import { readCredential } from "../../auth/credentials";
import { digests, hmacBase64, parseSignatureHeader, signingString, unescapedSignature, withinClockSkew } from "../../auth/hmac-signature";
import { rsaSignatureAlgorithm, rsaSignatureVerifies } from "../../auth/hmac-rsa";
import type { RequestContext } from "../../chain/context";
import type { Identity } from "../../chain/identity";
import { constantTimeEqual } from "../../lib/constant-time";
import { messages, TykError } from "../../lib/tyk-error";
import { sessionWithPolicies } from "../policies";
import { rsaSignerFor } from "./hmac-rsa";
import type { Authenticator } from "./options";

/*
 * Tyk's HMAC request signatures; the scheme is in src/auth/hmac-signature.ts.
 * Every failure is Tyk's one 400, so a caller learns nothing about which part
 * was wrong. `rsa-sha256` verifies with the public key of the certificate
 * the key names (./hmac-rsa.ts); an unknown algorithm fails here where Tyk
 * would use hmac-sha1.
 */

const invalid = () => new TykError(400, messages.hmacInvalid);

async function secretFor(ctx: RequestContext, keyId: string) {
  const found = keyId ? await ctx.gateway.keys.lookup(keyId, ctx.api.orgId, ctx.waitUntil) : null;
  if (!found) return null;
  const merged = await sessionWithPolicies(ctx, found.session);
  const enabled = merged !== null && (merged.hmac_enabled || merged.enable_http_signature_validation);
  return enabled && found.session.hmac_string ? { found, secret: found.session.hmac_string } : null;
}

async function authenticateRsa(ctx: RequestContext, keyId: string, presented: string | null, message: string, clockSkewMs: number): Promise<Identity> {
  const signer = await rsaSignerFor(ctx, keyId);
  if (presented === null || !signer || !(await rsaSignatureVerifies(signer.key, presented, message))) throw invalid();
  if (!withinClockSkew(ctx.request, clockSkewMs)) throw invalid();
  return { session: signer.found.session, sessionId: signer.found.storageId };
}

export const authenticateHmac: Authenticator = async (ctx, options) => {
  const { allowedAlgorithms, clockSkewMs, config } = options.hmac;
  const header = readCredential(ctx.request, ctx.url, config);
  const fields = header ? parseSignatureHeader(header) : null;
  if (!fields) throw invalid();
  const digest = digests[fields.algorithm];
  const rsa = fields.algorithm === rsaSignatureAlgorithm;
  if ((!digest && !rsa) || (allowedAlgorithms.length > 0 && !allowedAlgorithms.includes(fields.algorithm))) throw invalid();
  const presented = unescapedSignature(fields.signature);
  if (rsa) return authenticateRsa(ctx, fields.keyId, presented, signingString(ctx.request, ctx.url, fields.headers), clockSkewMs);
  const key = await secretFor(ctx, fields.keyId);
  if (presented === null || !key || !digest) throw invalid();
  const expected = await hmacBase64(key.secret, digest, signingString(ctx.request, ctx.url, fields.headers));
  if (!(await constantTimeEqual(expected, presented))) throw invalid();
  if (!withinClockSkew(ctx.request, clockSkewMs)) throw invalid();
  return { session: key.found.session, sessionId: key.found.storageId };
};
