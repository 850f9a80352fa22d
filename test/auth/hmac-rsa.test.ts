import { beforeAll, describe, expect, it } from "vitest";
import { messages } from "../../src/lib/tyk-error";
import { ecPem, rsaKeyPem, rsaPem, signerPrivateKeyPem, signerPublicKeyPem } from "../fixtures/certs/certificates";
import { admin } from "../support/admin";
import { addCertificate } from "../support/client-certificates";
import { echoOf, gateway, loadApis } from "../support/gateway";
import { accessTo, expectError, securedApi } from "./support";

/*
 * HMAC request signatures with `rsa-sha256`: the client signs the signing
 * string with its private key; the gateway verifies with the public key of
 * the certificate (or bare public key) the key's `rsa_certificate_id` names.
 */

const skewMs = 5_000;

function pkcs8Of(pem: string): Uint8Array {
  const body = pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
  return Uint8Array.from(atob(body), (char) => char.charCodeAt(0));
}

interface SignOptions {
  keyId: string;
  privateKeyPem?: string;
  algorithm?: string;
  path?: string;
  date?: Date;
  escape?: boolean;
}

async function sign(options: SignOptions): Promise<Record<string, string>> {
  const date = (options.date ?? new Date()).toUTCString();
  const signingString = `(request-target): get ${options.path ?? "/rsa/orders"}\ndate: ${date}`;
  const parameters = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  const key = await crypto.subtle.importKey("pkcs8", pkcs8Of(options.privateKeyPem ?? signerPrivateKeyPem), parameters, false, ["sign"]);
  const raw = new Uint8Array(await crypto.subtle.sign(parameters.name, key, new TextEncoder().encode(signingString)));
  const base64 = btoa(String.fromCharCode(...raw));
  const signature = options.escape === false ? base64 : encodeURIComponent(base64);
  const algorithm = options.algorithm ?? "rsa-sha256";
  return { date, authorization: `Signature keyId="${options.keyId}",algorithm="${algorithm}",headers="(request-target) date",signature="${signature}"` };
}

describe("HMAC rsa-sha256 signatures", () => {
  beforeAll(async () => {
    const publicKeyId = await addCertificate(signerPublicKeyPem);
    const certificateId = await addCertificate(rsaPem);
    const ecId = await addCertificate(ecPem);
    await loadApis(
      securedApi("rsa", { enable_signature_checking: true, hmac_allowed_clock_skew: skewMs }),
      securedApi("rsa-refused", { proxy: { listen_path: "/rsa-refused/" }, enable_signature_checking: true, hmac_allowed_algorithms: ["hmac-sha256"] }),
    );
    const session = { org_id: "default", access_rights: accessTo("rsa", "rsa-refused"), enable_http_signature_validation: true };
    const keys: Record<string, Record<string, unknown>> = {
      "rsa-public-key": { ...session, rsa_certificate_id: publicKeyId },
      "rsa-certificate": { ...session, rsa_certificate_id: certificateId },
      "rsa-off": { ...session, rsa_certificate_id: publicKeyId, enable_http_signature_validation: false },
      "rsa-none": { ...session, rsa_certificate_id: "" },
      "rsa-ec": { ...session, rsa_certificate_id: ecId },
      "rsa-missing": { ...session, rsa_certificate_id: `default${"0".repeat(64)}` },
    };
    for (const [key, body] of Object.entries(keys)) expect((await admin("POST", `/keys/${key}`, body)).status).toBe(200);
  });

  it("accepts a request signed with the private key of the stored public key", async () => {
    const response = await gateway("/rsa/orders", { headers: await sign({ keyId: "rsa-public-key" }) });
    expect((await echoOf(response)).path).toBe("/orders");
  });

  it("accepts a request signed for a stored certificate, its signature URL-escaped or not", async () => {
    const headers = await sign({ keyId: "rsa-certificate", privateKeyPem: rsaKeyPem, escape: false });
    expect((await gateway("/rsa/orders", { headers })).status).toBe(200);
    expect((await gateway("/rsa/orders", { headers: await sign({ keyId: "rsa-certificate", privateKeyPem: rsaKeyPem }) })).status).toBe(200);
  });

  it("answers Tyk's one 400 for a wrong signature, a wrong key, a tampered request or a stale date", async () => {
    const invalid = messages.hmacInvalid;
    await expectError(await gateway("/rsa/orders", { headers: await sign({ keyId: "rsa-public-key", privateKeyPem: rsaKeyPem }) }), 400, invalid);
    await expectError(await gateway("/rsa/orders", { headers: await sign({ keyId: "rsa-public-key", path: "/rsa/other" }) }), 400, invalid);
    await expectError(await gateway("/rsa/orders", { headers: await sign({ keyId: "no-such-key" }) }), 400, invalid);
    await expectError(await gateway("/rsa/orders", { headers: await sign({ keyId: "rsa-off" }) }), 400, invalid);
    await expectError(await gateway("/rsa/orders", { headers: await sign({ keyId: "rsa-none" }) }), 400, invalid);
    const stale = new Date(Date.now() - 10 * skewMs);
    await expectError(await gateway("/rsa/orders", { headers: await sign({ keyId: "rsa-public-key", date: stale }) }), 400, invalid);
  });

  it("refuses rsa-sha256 where hmac_allowed_algorithms leaves it out", async () => {
    const headers = await sign({ keyId: "rsa-public-key", path: "/rsa-refused/orders" });
    await expectError(await gateway("/rsa-refused/orders", { headers }), 400, messages.hmacInvalid);
  });

  it("answers Tyk's 500 when the certificate is missing or holds no RSA key", async () => {
    await expectError(await gateway("/rsa/orders", { headers: await sign({ keyId: "rsa-missing" }) }), 500, messages.hmacCertificateNotFound);
    await expectError(await gateway("/rsa/orders", { headers: await sign({ keyId: "rsa-ec" }) }), 500, messages.hmacCertificateNotRsa);
  });
});
