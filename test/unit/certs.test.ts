import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isExpired, readCertificatePem, sha256Hex } from "../../src/certs/certificate";
import { clientCertificateOf } from "../../src/certs/client-certificate";
import { DerError, readNode } from "../../src/certs/der";
import { maxPemBlocks, readPem, writePem } from "../../src/certs/pem";
import { readCertificate } from "../../src/certs/x509";
import * as fixtures from "../fixtures/certs/certificates";

/* PEM, DER and X.509 reading for the certificate store; fixtures from test/fixtures/certs/make.sh (openssl). */

async function read(pem: string, orgId = "org") {
  const result = await readCertificatePem(pem, orgId);
  if (!result.ok) throw new Error(result.reason);
  return result.certificate;
}

function derOf(pem: string): Uint8Array {
  const result = readPem(pem);
  if (!result.ok) throw new Error(result.reason);
  return result.blocks[0]!.der;
}

describe("certificate ids and fingerprints", () => {
  it("match openssl's SHA-256 fingerprints, prefixed with the org id", async () => {
    for (const [pem, fingerprint] of [
      [fixtures.caPem, fixtures.caFingerprint],
      [fixtures.rsaPem, fixtures.rsaFingerprint],
      [fixtures.ecPem, fixtures.ecFingerprint],
      [fixtures.expiredPem, fixtures.expiredFingerprint],
      [fixtures.signerPublicKeyPem, fixtures.signerPublicKeyFingerprint],
    ]) {
      const certificate = await read(pem!, "org-7");
      expect(certificate.fingerprint).toBe(fingerprint);
      expect(certificate.id).toBe(`org-7${fingerprint}`);
    }
  });

  it("are the SHA-256 of the DER, whatever the PEM's line breaks", async () => {
    const oneLine = fixtures.rsaPem.replace(/\n(?!-----END)/g, "").replace("-----BEGIN CERTIFICATE-----", "-----BEGIN CERTIFICATE-----\n");
    expect((await read(oneLine)).fingerprint).toBe(fixtures.rsaFingerprint);
    expect(await sha256Hex(derOf(fixtures.rsaPem))).toBe(fixtures.rsaFingerprint);
  });
});

describe("X.509 fields", () => {
  it("reads names, validity (UTCTime and GeneralizedTime), DNS names and the key type", async () => {
    const rsa = (await read(fixtures.rsaPem)).certificate!;
    expect(rsa.subject).toMatchObject({ CommonName: "client-rsa.test", Organization: ["Portcullis Tests"], OrganizationalUnit: ["Clients"], Country: ["GB"] });
    expect(rsa.issuer.CommonName).toBe("Portcullis Test CA");
    expect(rsa.dnsNames).toEqual(["client-rsa.test", "alt.client-rsa.test"]);
    expect(rsa.publicKeyAlgorithm).toBe("rsa");
    expect(rsa.notAfter.getUTCFullYear()).toBe(2036);
    const ec = (await read(fixtures.ecPem)).certificate!;
    expect(ec.publicKeyAlgorithm).toBe("ec");
    // Past 2049 RFC 5280 requires GeneralizedTime.
    expect(ec.notAfter.getUTCFullYear()).toBe(2126);
    const expired = (await read(fixtures.expiredPem)).certificate!;
    expect(expired.notBefore.toISOString()).toBe("2020-01-01T00:00:00.000Z");
    expect(expired.notAfter.toISOString()).toBe("2021-01-01T00:00:00.000Z");
  });

  it("gives a SubjectPublicKeyInfo that WebCrypto imports", async () => {
    const rsa = await read(fixtures.rsaPem);
    const key = await crypto.subtle.importKey("spki", rsa.publicKey.spki, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["verify"]);
    expect(key.type).toBe("public");
    const bare = await read(fixtures.signerPublicKeyPem);
    expect(bare.certificate).toBeNull();
    expect(bare.publicKey.algorithm).toBe("rsa");
  });

  it("tells expired certificates; a bare public key never expires", async () => {
    expect(isExpired(await read(fixtures.expiredPem))).toBe(true);
    expect(isExpired(await read(fixtures.rsaPem))).toBe(false);
    expect(isExpired(await read(fixtures.rsaPem), Date.UTC(2037, 0, 1))).toBe(true);
    expect(isExpired(await read(fixtures.signerPublicKeyPem), Date.UTC(3000, 0, 1))).toBe(false);
  });

  it("keeps a chain: the first certificate is the one identified", async () => {
    const chain = await read(fixtures.rsaPem + fixtures.caPem);
    expect(chain.fingerprint).toBe(fixtures.rsaFingerprint);
    expect(readPem(chain.pem)).toMatchObject({ ok: true, blocks: [{ label: "CERTIFICATE" }, { label: "CERTIFICATE" }] });
  });
});

describe("malformed input", () => {
  const reasonOf = async (pem: string) => {
    const result = await readCertificatePem(pem, "org");
    return result.ok ? "accepted" : result.reason;
  };

  it("refuses text without PEM blocks, bad base64, mismatched labels, encrypted blocks and private keys", async () => {
    expect(await reasonOf("")).toBe("Failed to decode certificate. It should be PEM encoded.");
    expect(await reasonOf("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----")).toContain("not valid base64");
    expect(await reasonOf(fixtures.rsaPem.replace("END CERTIFICATE", "END PUBLIC KEY"))).toContain("ends with");
    expect(await reasonOf("-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END CERTIFICATE-----")).toContain("headers");
    expect(await reasonOf(fixtures.rsaKeyPem)).toContain("private keys are not accepted");
    expect(await reasonOf(fixtures.signerPublicKeyPem + fixtures.signerPublicKeyPem)).toBe("only one public key per upload");
  });

  it("reads at most a bounded number of blocks", () => {
    expect(readPem(fixtures.caPem.repeat(maxPemBlocks))).toMatchObject({ ok: true });
    expect(readPem(fixtures.caPem.repeat(maxPemBlocks + 1))).toEqual({ ok: false, reason: `more than ${maxPemBlocks} PEM blocks` });
  });

  it("refuses truncated, overlong and trailing DER as a parse error, never reading past the end", async () => {
    const der = derOf(fixtures.rsaPem);
    for (const broken of [der.subarray(0, der.length - 1), der.subarray(0, 40), Uint8Array.of(...der, 0)]) {
      expect(() => readCertificate(broken)).toThrow(DerError);
      expect(await reasonOf(writePem("CERTIFICATE", broken))).toMatch(/^Error while parsing certificate: /);
    }
    const garbage = new Uint8Array(300).fill(0x41);
    garbage[0] = 0x30;
    garbage[1] = 0x82;
    expect(await reasonOf(writePem("CERTIFICATE", garbage))).toMatch(/^Error while parsing certificate: /);
  });

  it("answers any corruption of a real certificate with a DerError or a parse, never another error", () => {
    const der = derOf(fixtures.rsaPem);
    const edits = fc.array(fc.tuple(fc.nat(der.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(edits, fc.nat(der.length), (changes, cut) => {
        const broken = Uint8Array.from(der.subarray(0, Math.max(cut, 2)));
        for (const [index, value] of changes) if (index < broken.length) broken[index] = value;
        try {
          readCertificate(broken);
        } catch (error) {
          if (!(error instanceof DerError)) throw error;
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it("never throws on arbitrary upload text", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 400 }), async (text) => {
        const result = await readCertificatePem(`-----BEGIN CERTIFICATE-----\n${text}\n-----END CERTIFICATE-----\n${text}`, "org");
        expect(typeof result.ok).toBe("boolean");
      }),
      { numRuns: 500 },
    );
  });

  it("refuses indefinite lengths, five-byte lengths and high tag numbers", () => {
    expect(() => readNode(Uint8Array.of(0x30, 0x80, 0, 0), 0)).toThrow("unsupported length encoding");
    expect(() => readNode(Uint8Array.of(0x30, 0x85, 1, 0, 0, 0, 0), 0)).toThrow("unsupported length encoding");
    expect(() => readNode(Uint8Array.of(0x1f, 0x01, 0), 0)).toThrow("high tag numbers");
    expect(() => readNode(Uint8Array.of(0x04, 0x82, 0x01), 0)).toThrow("truncated length");
    expect(readNode(Uint8Array.of(0x04, 0x81, 0x02, 7, 8), 0)).toEqual({ tag: 0x04, start: 0, contentStart: 3, end: 5 });
  });
});

describe("request.cf.tlsClientAuth", () => {
  const fingerprint = fixtures.rsaFingerprint;
  const requestWith = (cf: unknown) => ({ cf }) as unknown as Request;
  const auth = (fields: Record<string, string>) => requestWith({ tlsClientAuth: { certPresented: "1", certVerified: "SUCCESS", certRevoked: "0", ...fields } });

  it("is absent without cf, without tlsClientAuth or when no certificate was presented", () => {
    expect(clientCertificateOf(requestWith(undefined))).toEqual({ status: "absent" });
    expect(clientCertificateOf(requestWith({ country: "GB" }))).toEqual({ status: "absent" });
    expect(clientCertificateOf(auth({ certPresented: "0", certVerified: "NONE" }))).toEqual({ status: "absent" });
  });

  it("is verified only for SUCCESS, not revoked, with a SHA-256 fingerprint (read in lower case)", () => {
    expect(clientCertificateOf(auth({ certFingerprintSHA256: fingerprint.toUpperCase() }))).toEqual({ status: "verified", fingerprint });
    expect(clientCertificateOf(auth({ certVerified: "FAILED:self signed certificate", certFingerprintSHA256: fingerprint }))).toEqual({
      status: "unverified",
      reason: "FAILED:self signed certificate",
    });
    expect(clientCertificateOf(auth({ certRevoked: "1", certFingerprintSHA256: fingerprint }))).toMatchObject({ status: "unverified" });
    expect(clientCertificateOf(auth({ certFingerprintSHA256: "abc" }))).toMatchObject({ status: "unverified" });
    expect(clientCertificateOf(requestWith({ tlsClientAuth: { certPresented: 1 } }))).toMatchObject({ status: "unverified" });
  });
});
