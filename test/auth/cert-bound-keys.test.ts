import { beforeAll, describe, expect, it } from "vitest";
import { messages } from "../../src/lib/tyk-error";
import { ecFingerprint, ecPem, expiredFingerprint, expiredPem, rsaFingerprint, rsaPem } from "../fixtures/certs/certificates";
import { admin } from "../support/admin";
import { addCertificate, presenting, storeCertificateDirectly, withHeaders } from "../support/client-certificates";
import { echoOf, gateway, loadApis } from "../support/gateway";
import { createKey } from "../support/keys";
import { accessTo, expectError, securedApi } from "./support";

/*
 * Client certificates in the auth token check: keys bound to a certificate
 * (the session's `certificate`), and `use_certificate`, where a request
 * without a key is identified by its certificate.
 */

const tokenApi = (id: string, auth: Record<string, unknown> = {}) =>
  securedApi(id, { use_standard_auth: true, auth: { auth_header_name: "Authorization", ...auth } });

describe("certificate-bound keys", () => {
  let rsaId: string;
  let ecId: string;
  let expiredId: string;
  let boundKey: string;
  let expiredKey: string;
  let goneKey: string;
  let plainKey: string;

  beforeAll(async () => {
    rsaId = await addCertificate(rsaPem);
    ecId = await addCertificate(ecPem);
    expiredId = await storeCertificateDirectly(expiredPem, expiredFingerprint);
    await loadApis(tokenApi("bound"), tokenApi("by-cert", { use_certificate: true }));
    const access = { access_rights: accessTo("bound", "by-cert") };
    boundKey = await createKey({ ...access, certificate: rsaId });
    expiredKey = await createKey({ ...access, certificate: expiredId });
    goneKey = await createKey({ ...access, certificate: `default${"0".repeat(64)}` });
    plainKey = await createKey(access);
    // use_certificate: the key is the certificate's id.
    await createKey({ ...access, certificate: ecId }, ecId);
  });

  it("accepts a bound key with its certificate", async () => {
    const response = await gateway("/bound/orders", withHeaders(presenting(rsaFingerprint), { authorization: boundKey }));
    expect((await echoOf(response)).path).toBe("/orders");
  });

  it("refuses a bound key without its certificate, or with another one, with Tyk's 403", async () => {
    await expectError(await gateway("/bound/orders", { headers: { authorization: boundKey } }), 403, messages.keyNotFound);
    await expectError(await gateway("/bound/orders", withHeaders(presenting(ecFingerprint), { authorization: boundKey })), 403, messages.keyNotFound);
  });

  it("refuses a bound key whose certificate Cloudflare did not verify", async () => {
    const unverified = presenting(rsaFingerprint, { certVerified: "FAILED:unable to get local issuer certificate" });
    await expectError(await gateway("/bound/orders", withHeaders(unverified, { authorization: boundKey })), 403, messages.mtlsCertificateUnverified);
  });

  it("refuses a key bound to an expired certificate, or to one no longer in the store", async () => {
    const expired = withHeaders(presenting(expiredFingerprint), { authorization: expiredKey });
    await expectError(await gateway("/bound/orders", expired), 403, messages.certificateExpired);
    const gone = withHeaders(presenting("0".repeat(64)), { authorization: goneKey });
    await expectError(await gateway("/bound/orders", gone), 403, messages.keyNotFound);
  });

  it("leaves keys without a certificate alone, with or without one presented", async () => {
    expect((await gateway("/bound/orders", { headers: { authorization: plainKey } })).status).toBe(200);
    expect((await gateway("/bound/orders", withHeaders(presenting(ecFingerprint), { authorization: plainKey }))).status).toBe(200);
  });

  describe("use_certificate", () => {
    it("identifies a request without a key by its certificate", async () => {
      const response = await gateway("/by-cert/orders", presenting(ecFingerprint));
      expect((await echoOf(response)).path).toBe("/orders");
    });

    it("answers 401 without a key or a certificate", async () => {
      await expectError(await gateway("/by-cert/orders"), 401, messages.authFieldMissing);
    });

    it("answers 403 for a certificate with no key, or not in the store", async () => {
      await expectError(await gateway("/by-cert/orders", presenting(rsaFingerprint)), 403, messages.keyNotFound);
      await expectError(await gateway("/by-cert/orders", presenting("f".repeat(64))), 403, messages.keyNotFound);
    });

    it("answers 403 'Certificate has expired' for an expired certificate", async () => {
      await createKey({ access_rights: accessTo("by-cert"), certificate: expiredId }, expiredId);
      await expectError(await gateway("/by-cert/orders", presenting(expiredFingerprint)), 403, messages.certificateExpired);
    });

    it("does not let someone who only knows the (public) certificate use its key as a token", async () => {
      await expectError(await gateway("/by-cert/orders", { headers: { authorization: ecId } }), 403, messages.keyNotFound);
    });

    it("still takes a key when one is sent", async () => {
      expect((await gateway("/by-cert/orders", { headers: { authorization: plainKey } })).status).toBe(200);
    });

    it("stops identifying by a certificate deleted from the store", async () => {
      expect((await admin("DELETE", `/certs/${ecId}`)).status).toBe(200);
      await expectError(await gateway("/by-cert/orders", presenting(ecFingerprint)), 403, messages.keyNotFound);
    });
  });
});
