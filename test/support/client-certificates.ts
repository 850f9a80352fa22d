import { expect } from "vitest";
import type { CertificateDocument } from "../../src/certs/certificate";
import { admin } from "./admin";
import { store } from "./gateway";

/*
 * What Cloudflare's edge would put in `request.cf.tlsClientAuth` after a TLS
 * handshake with a client certificate. workerd hands the `cf` of a test
 * request to the Worker as is, as the edge would; headers cannot set it.
 */

type TlsClientAuth = Record<string, string>;

export function presenting(fingerprint: string, overrides: TlsClientAuth = {}): RequestInit {
  const tlsClientAuth: TlsClientAuth = {
    certPresented: "1",
    certVerified: "SUCCESS",
    certRevoked: "0",
    certFingerprintSHA256: fingerprint,
    certSubjectDN: "CN=client.test",
    certIssuerDN: "CN=Portcullis Test CA",
    certNotBefore: "Dec  1 00:00:00 2026 GMT",
    certNotAfter: "Nov 28 00:00:00 2036 GMT",
    ...overrides,
  };
  // Miniflare's RequestInit takes `cf`; the DOM type does not know it.
  return { cf: { tlsClientAuth } } as RequestInit;
}

export function withHeaders(init: RequestInit, headers: Record<string, string>): RequestInit {
  return { ...init, headers };
}

/** Adds a PEM through the Gateway API (after removing any earlier copy) and returns its id. */
export async function addCertificate(pem: string, orgId = "default"): Promise<string> {
  const added = await admin("POST", `/certs?org_id=${encodeURIComponent(orgId)}`, pem);
  if (added.status === 403) {
    const id = String((added.body as { message: string }).message.match(/^Certificate with (\S+) id already exists$/)?.[1]);
    expect((await admin("DELETE", `/certs/${id}`)).status).toBe(200);
    return addCertificate(pem, orgId);
  }
  expect(added.status).toBe(200);
  return (added.body as { id: string }).id;
}

/** Stores a certificate without the Gateway API, which refuses expired ones: a certificate that expired after it was added. */
export async function storeCertificateDirectly(pem: string, fingerprint: string, orgId = "default"): Promise<string> {
  const document: CertificateDocument = { org_id: orgId, pem };
  await store().put("certs", orgId + fingerprint, document);
  return orgId + fingerprint;
}
