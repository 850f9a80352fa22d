import { beforeAll, describe, expect, it } from "vitest";
import {
  caFingerprint,
  caPem,
  ecFingerprint,
  ecPem,
  expiredPem,
  rsaFingerprint,
  rsaKeyPem,
  rsaPem,
  signerPublicKeyFingerprint,
  signerPublicKeyPem,
} from "../fixtures/certs/certificates";
import { admin } from "../support/admin";
import { adminHeaders, gateway, store } from "../support/gateway";

/*
 * `/tyk/certs`: Tyk's certificate store. Ids are the org id followed by the
 * SHA-256 hex of the certificate's DER (of the key's DER for a public key).
 */

const post = (pem: string, orgId = "org-a") => admin("POST", `/certs?org_id=${orgId}`, pem);

describe("/tyk/certs", () => {
  beforeAll(async () => {
    for (const id of await store().listIds("certs")) await store().delete("certs", id);
  });

  it("adds a certificate under org id + SHA-256 of its DER, with Tyk's answer", async () => {
    const added = await post(rsaPem);
    expect(added).toMatchObject({ status: 200, body: { id: `org-a${rsaFingerprint}`, status: "ok", message: "Certificate added" } });
    expect(await store().get("certs", `org-a${rsaFingerprint}`)).toMatchObject({ org_id: "org-a" });
  });

  it("refuses the same certificate twice with Tyk's 403", async () => {
    await post(caPem);
    expect(await post(caPem)).toMatchObject({ status: 403, body: { status: "error", message: `Certificate with org-a${caFingerprint} id already exists` } });
  });

  it("adds a bare public key under the SHA-256 of the key", async () => {
    expect((await post(signerPublicKeyPem)).body).toMatchObject({ id: `org-a${signerPublicKeyFingerprint}` });
  });

  it("takes an empty org id: the id is the fingerprint alone", async () => {
    expect((await admin("POST", "/certs", ecPem)).body).toMatchObject({ id: ecFingerprint });
  });

  it("refuses what it cannot use with 400 and the reason", async () => {
    const refusals: [string, string][] = [
      ["not a certificate", "Failed to decode certificate. It should be PEM encoded."],
      [rsaPem.replace("MII", "MIJ"), "Error while parsing certificate"],
      ["-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n", 'PEM block "CERTIFICATE" is not valid base64'],
      [rsaKeyPem, "private keys are not accepted"],
      [rsaPem + rsaKeyPem, "private keys are not accepted"],
      [rsaPem + signerPublicKeyPem, "Public keys can't be combined with certificates"],
      [expiredPem, "certificate is expired"],
    ];
    for (const [body, message] of refusals) {
      const reply = await post(body, "org-bad");
      expect(reply.status, message).toBe(400);
      expect((reply.body as { message: string }).message).toContain(message);
    }
    expect((await admin("GET", "/certs?org_id=org-bad")).body).toEqual({ certs: [] });
  });

  it("refuses an upload over 64 KiB with 413", async () => {
    expect((await post(rsaPem + " ".repeat(70 * 1024))).status).toBe(413);
  });

  it("lists ids, filtered by org id prefix", async () => {
    const listed = (await admin("GET", "/certs?org_id=org-a")).body as { certs: string[] };
    expect(listed.certs).toEqual([`org-a${caFingerprint}`, `org-a${signerPublicKeyFingerprint}`, `org-a${rsaFingerprint}`].sort());
    expect(((await admin("GET", "/certs")).body as { certs: string[] }).certs).toContain(ecFingerprint);
  });

  it("lists basics with mode=detailed", async () => {
    const listed = (await admin("GET", "/certs?org_id=org-a&mode=detailed")).body as { certs: Record<string, unknown>[] };
    const rsa = listed.certs.find((entry) => entry.id === `org-a${rsaFingerprint}`);
    expect(rsa).toEqual({
      id: `org-a${rsaFingerprint}`,
      issuer_cn: "Portcullis Test CA",
      subject_cn: "client-rsa.test",
      dns_names: ["client-rsa.test", "alt.client-rsa.test"],
      has_private: false,
      not_before: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      not_after: expect.stringMatching(/^2036-/),
    });
    const key = listed.certs.find((entry) => entry.id === `org-a${signerPublicKeyFingerprint}`);
    expect(key).toMatchObject({ subject_cn: `Public Key: ${signerPublicKeyFingerprint}`, not_after: "0001-01-01T00:00:00Z" });
  });

  it("reads one certificate's meta, in Tyk's shape", async () => {
    const reply = await admin("GET", `/certs/org-a${rsaFingerprint}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      id: `org-a${rsaFingerprint}`,
      fingerprint: rsaFingerprint,
      has_private: false,
      subject: { CommonName: "client-rsa.test", Organization: ["Portcullis Tests"], OrganizationalUnit: ["Clients"], Country: ["GB"], Locality: null },
      issuer: { CommonName: "Portcullis Test CA", OrganizationalUnit: ["CA"] },
      dns_names: ["client-rsa.test", "alt.client-rsa.test"],
    });
  });

  it("reads several comma-separated ids, null for the missing ones; 404 for one missing id", async () => {
    const reply = await admin("GET", `/certs/org-a${rsaFingerprint},org-a${"0".repeat(64)}`);
    expect(reply.status).toBe(200);
    expect((reply.body as unknown[]).map((entry) => (entry as { id: string } | null)?.id ?? null)).toEqual([`org-a${rsaFingerprint}`, null]);
    expect(await admin("GET", `/certs/org-a${"0".repeat(64)}`)).toMatchObject({
      status: 404,
      body: { status: "error", message: "Certificate with given SHA256 fingerprint not found" },
    });
  });

  it("deletes, answering Tyk's 'removed' whether or not it existed", async () => {
    const id = `org-a${caFingerprint}`;
    expect(await admin("DELETE", `/certs/${id}`)).toMatchObject({ status: 200, body: { status: "ok", message: "removed" } });
    expect(await store().get("certs", id)).toBeNull();
    expect((await admin("GET", `/certs/${id}`)).status).toBe(404);
    expect((await admin("DELETE", `/certs/${id}`)).status).toBe(200);
  });

  it("needs the Gateway API secret", async () => {
    const response = await gateway("/tyk/certs", { headers: { ...adminHeaders, "x-tyk-authorization": "wrong" } });
    expect(response.status).toBe(403);
  });
});
