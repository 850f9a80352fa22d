import * as z from "zod";
import { list } from "../apidef/schema";
import { fingerprintLength, isExpired } from "../certs/certificate";
import { clientCertificateOf } from "../certs/client-certificate";
import { defineFeature } from "../chain/feature";
import { isolateLogger } from "../lib/logger";
import { messages, TykError } from "../lib/tyk-error";

/*
 * Tyk's CertificateCheckMW: with `use_mutual_tls_auth`, the client's
 * certificate must be one of `client_certificates` (ids in the certificate
 * store, `/tyk/certs`) and not expired, else 403. Checked before
 * authentication, so keyless APIs use it too; ignored paths skip it, as in Tyk.
 *
 * Cloudflare ends the TLS handshake and reports the certificate's SHA-256
 * fingerprint (src/certs/client-certificate.ts). A certificate id ends with
 * its fingerprint, so the fingerprint picks the one allowed id that can
 * match; that certificate is then read from the store (cached per isolate),
 * so a certificate deleted from the store stops being accepted. A
 * certificate Cloudflare did not verify, or found revoked, is refused.
 */

const fields = z.looseObject({
  use_mutual_tls_auth: z.boolean().default(false),
  client_certificates: list(z.string()),
});

const hexFingerprint = /^[0-9a-f]{64}$/;

/** Allowed certificate ids by the fingerprint each ends with. */
type AllowedCertificates = Map<string, string[]>;

function allowedByFingerprint(ids: readonly string[], apiId: string): AllowedCertificates {
  const allowed: AllowedCertificates = new Map();
  for (const id of ids) {
    const fingerprint = id.slice(-fingerprintLength).toLowerCase();
    if (!hexFingerprint.test(fingerprint)) {
      // Tyk would also try the entry as a file path; a Worker has no files.
      isolateLogger.error("client_certificates entry is not a certificate id (org id + SHA-256 hex); no certificate matches it", { api_id: apiId, entry: id });
      continue;
    }
    allowed.set(fingerprint, [...(allowed.get(fingerprint) ?? []), id]);
  }
  return allowed;
}

export const mutualTls = defineFeature({
  name: "CertificateCheckMW",
  fields,
  honours: ["use_mutual_tls_auth", "client_certificates"],
  compile: (definition, api) => (definition.use_mutual_tls_auth ? allowedByFingerprint(definition.client_certificates, api.id) : undefined),
  step: (allowed) => async (ctx, next) => {
    if (ctx.ignoredPath) return next();
    const presented = clientCertificateOf(ctx.request);
    if (presented.status === "absent") throw new TykError(403, messages.mtlsCertificateRequired);
    if (presented.status === "unverified") {
      ctx.log.info("client certificate refused: Cloudflare did not verify it", { reason: presented.reason });
      throw new TykError(403, messages.mtlsCertificateUnverified);
    }
    for (const id of allowed.get(presented.fingerprint) ?? []) {
      const stored = await ctx.gateway.certificates.get(id, ctx.waitUntil);
      if (!stored?.certificate || stored.fingerprint !== presented.fingerprint) continue;
      if (isExpired(stored)) throw new TykError(403, messages.mtlsCertificateExpired);
      return next();
    }
    throw new TykError(403, messages.mtlsCertificateNotAllowed(presented.fingerprint));
  },
});
