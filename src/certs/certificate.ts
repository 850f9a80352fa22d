import * as z from "zod";
import { hex } from "../lib/encoding";
import { DerError } from "./der";
import { readPem, writePem } from "./pem";
import { type CertificateFields, type PublicKeyAlgorithm, readCertificate, readPublicKeyInfo } from "./x509";

/*
 * Certificates as Tyk's certificate manager (certs/manager.go) keeps them: an
 * upload is one or more CERTIFICATE blocks (the first is the certificate, the
 * rest its chain) or a single PUBLIC KEY block. The id is the org id followed
 * by the SHA-256 hex of the certificate's DER (of the key's DER for a public
 * key), so the same certificate always gets the same id and an id names its
 * certificate's fingerprint. Private keys are refused: the gateway makes no
 * TLS connections of its own that would use one.
 */

export interface StoredCertificate {
  id: string;
  orgId: string;
  /** SHA-256 hex of the DER: what Cloudflare reports as `certFingerprintSHA256`. */
  fingerprint: string;
  /** null for a bare public key. */
  certificate: CertificateFields | null;
  publicKey: { spki: Uint8Array; algorithm: PublicKeyAlgorithm };
  /** The blocks as stored, re-encoded. */
  pem: string;
}

/** The stored document: the PEM and the org it was added for; everything else is derived when it is read. */
export const certificateDocumentSchema = z.object({ org_id: z.string(), pem: z.string() });
export type CertificateDocument = z.infer<typeof certificateDocumentSchema>;

export type CertificateRead = { ok: true; certificate: StoredCertificate } | { ok: false; reason: string };

/** Characters of a SHA-256 hex fingerprint, the tail of every certificate id. */
export const fingerprintLength = 64;

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

function failure(reason: string): CertificateRead {
  return { ok: false, reason };
}

/** Parses PEM text into a certificate for `orgId`; the reason says what is wrong when it cannot. */
export async function readCertificatePem(text: string, orgId: string): Promise<CertificateRead> {
  const read = readPem(text);
  if (!read.ok) return failure(read.reason);
  const { blocks } = read;
  if (blocks.some((block) => block.label.endsWith("PRIVATE KEY"))) return failure("private keys are not accepted: upload the certificate or public key only");
  const certificates = blocks.filter((block) => block.label === "CERTIFICATE");
  const publicKeys = blocks.filter((block) => block.label === "PUBLIC KEY");
  if (certificates.length === 0 && publicKeys.length === 0) return failure("Failed to decode certificate. It should be PEM encoded.");
  if (certificates.length > 0 && publicKeys.length > 0) return failure("Public keys can't be combined with certificates");
  if (publicKeys.length > 1) return failure("only one public key per upload");
  try {
    if (publicKeys.length === 1) {
      const der = publicKeys[0]!.der;
      const fingerprint = await sha256Hex(der);
      const pem = writePem("PUBLIC KEY", der);
      return {
        ok: true,
        certificate: { id: orgId + fingerprint, orgId, fingerprint, certificate: null, publicKey: { spki: der, algorithm: readPublicKeyInfo(der) }, pem },
      };
    }
    const parsed = certificates.map((block) => readCertificate(block.der));
    const leaf = parsed[0]!;
    const fingerprint = await sha256Hex(certificates[0]!.der);
    const pem = certificates.map((block) => writePem("CERTIFICATE", block.der)).join("");
    const publicKey = { spki: leaf.subjectPublicKeyInfo, algorithm: leaf.publicKeyAlgorithm };
    return { ok: true, certificate: { id: orgId + fingerprint, orgId, fingerprint, certificate: leaf, publicKey, pem } };
  } catch (error) {
    if (error instanceof DerError) return failure(`Error while parsing certificate: ${error.message}`);
    throw error;
  }
}

/** A stored document back as a certificate; null (after logging by the caller) when it no longer parses. */
export async function certificateFromDocument(id: string, document: unknown): Promise<StoredCertificate | null> {
  const parsed = certificateDocumentSchema.safeParse(document);
  if (!parsed.success) return null;
  const read = await readCertificatePem(parsed.data.pem, parsed.data.org_id);
  return read.ok && read.certificate.id === id ? read.certificate : null;
}

export function isExpired(certificate: StoredCertificate, now = Date.now()): boolean {
  return certificate.certificate !== null && certificate.certificate.notAfter.getTime() < now;
}
