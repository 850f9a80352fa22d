import { beforeAll, describe, expect, it } from "vitest";
import { messages } from "../../src/lib/tyk-error";
import { expectError } from "../auth/support";
import { ecFingerprint, ecPem, expiredFingerprint, expiredPem, rsaFingerprint, rsaPem } from "../fixtures/certs/certificates";
import { admin } from "../support/admin";
import { addCertificate, presenting, storeCertificateDirectly, withHeaders } from "../support/client-certificates";
import { echoOf, gateway, keylessApi, loadApis } from "../support/gateway";
import { createKey } from "../support/keys";

/*
 * use_mutual_tls_auth + client_certificates, with the client certificate as
 * Cloudflare reports it in request.cf.tlsClientAuth (fabricated per request).
 */

const api = (id: string, fields: Record<string, unknown>) => keylessApi({ api_id: id, name: id, proxy: { listen_path: `/${id}/` }, ...fields });

describe("mutual TLS", () => {
  let rsaId: string;
  let expiredId: string;

  beforeAll(async () => {
    rsaId = await addCertificate(rsaPem);
    await addCertificate(ecPem);
    expiredId = await storeCertificateDirectly(expiredPem, expiredFingerprint);
    const mtls = { use_mutual_tls_auth: true, client_certificates: [rsaId, expiredId, "certs/client.pem"] };
    await loadApis(
      api("mtls", mtls),
      api("mtls-deleted", { use_mutual_tls_auth: true, client_certificates: [`default${"0".repeat(64)}`] }),
      api("mtls-keyed", { ...mtls, use_keyless: false, use_standard_auth: true }),
      api("mtls-ec", { use_mutual_tls_auth: true, client_certificates: [`default${ecFingerprint}`] }),
      api("mtls-ignored", {
        ...mtls,
        version_data: { not_versioned: true, versions: { Default: { name: "Default", extended_paths: { ignored: [{ path: "/public" }] } } } },
      }),
      api("plain", {}),
    );
  });

  it("lets a verified, allowed certificate through to the upstream (keyless API)", async () => {
    const response = await gateway("/mtls/orders", presenting(rsaFingerprint));
    expect((await echoOf(response)).path).toBe("/orders");
  });

  it("accepts the fingerprint in upper case, as some tools print it", async () => {
    expect((await gateway("/mtls/orders", presenting(rsaFingerprint.toUpperCase()))).status).toBe(200);
  });

  it("refuses a request without a certificate with Tyk's 403", async () => {
    await expectError(await gateway("/mtls/orders"), 403, messages.mtlsCertificateRequired);
    await expectError(await gateway("/mtls/orders", presenting("", { certPresented: "0", certVerified: "NONE" })), 403, messages.mtlsCertificateRequired);
  });

  it("refuses a certificate Cloudflare did not verify, or found revoked, even when its fingerprint is allowed", async () => {
    const unverified = presenting(rsaFingerprint, { certVerified: "FAILED:self signed certificate" });
    await expectError(await gateway("/mtls/orders", unverified), 403, messages.mtlsCertificateUnverified);
    await expectError(await gateway("/mtls/orders", presenting(rsaFingerprint, { certRevoked: "1" })), 403, messages.mtlsCertificateUnverified);
  });

  it("refuses a certificate that is not among client_certificates, even one in the store", async () => {
    await expectError(await gateway("/mtls/orders", presenting(ecFingerprint)), 403, messages.mtlsCertificateNotAllowed(ecFingerprint));
  });

  it("refuses an allowed certificate that has expired", async () => {
    await expectError(await gateway("/mtls/orders", presenting(expiredFingerprint)), 403, messages.mtlsCertificateExpired);
  });

  it("refuses a listed id whose certificate is not in the store", async () => {
    const missing = "0".repeat(64);
    await expectError(await gateway("/mtls-deleted/orders", presenting(missing)), 403, messages.mtlsCertificateNotAllowed(missing));
  });

  it("stops accepting a certificate once it is deleted from the store", async () => {
    const ecId = `default${ecFingerprint}`;
    expect((await gateway("/mtls-ec/orders", presenting(ecFingerprint))).status).toBe(200);
    expect((await admin("DELETE", `/certs/${ecId}`)).status).toBe(200);
    await expectError(await gateway("/mtls-ec/orders", presenting(ecFingerprint)), 403, messages.mtlsCertificateNotAllowed(ecFingerprint));
  });

  it("ignores headers that claim a client certificate: only request.cf counts", async () => {
    const claims = {
      "cf-tls-client-auth": JSON.stringify({ certPresented: "1", certVerified: "SUCCESS", certFingerprintSHA256: rsaFingerprint }),
      "x-client-cert-fingerprint": rsaFingerprint,
      "x-ssl-client-cert": encodeURIComponent(rsaPem),
      "x-forwarded-client-cert": `Hash=${rsaFingerprint}`,
    };
    await expectError(await gateway("/mtls/orders", { headers: claims }), 403, messages.mtlsCertificateRequired);
  });

  it("checks the certificate before the key, as Tyk does", async () => {
    const key = await createKey({ access_rights: { "mtls-keyed": { api_id: "mtls-keyed", api_name: "mtls-keyed", versions: ["Default"] } } });
    await expectError(await gateway("/mtls-keyed/orders", { headers: { authorization: key } }), 403, messages.mtlsCertificateRequired);
    await expectError(await gateway("/mtls-keyed/orders", presenting(rsaFingerprint)), 401, messages.authFieldMissing);
    expect((await gateway("/mtls-keyed/orders", withHeaders(presenting(rsaFingerprint), { authorization: key }))).status).toBe(200);
  });

  it("skips ignored paths, as Tyk does, and only them", async () => {
    expect((await gateway("/mtls-ignored/public")).status).toBe(200);
    await expectError(await gateway("/mtls-ignored/private"), 403, messages.mtlsCertificateRequired);
  });

  it("leaves APIs without use_mutual_tls_auth alone", async () => {
    expect((await gateway("/plain/orders")).status).toBe(200);
    expect((await gateway("/plain/orders", presenting(rsaFingerprint, { certVerified: "FAILED:expired" }))).status).toBe(200);
  });
});
