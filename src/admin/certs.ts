import { Hono, type Context } from "hono";
import { isExpired, readCertificatePem, type CertificateDocument, type StoredCertificate, certificateFromDocument } from "../certs/certificate";
import { type DistinguishedName, emptyName } from "../certs/x509";
import type { GatewayEnv } from "../chain/gateway";
import { readBounded } from "../lib/bounded-body";
import { idError, isStorable } from "./ids";
import { apiError, methodNotSupported } from "./responses";

/*
 * `/tyk/certs`, Tyk's certificate store (gateway/cert.go): add a PEM
 * certificate or public key (`?org_id=` prefixes its id), list ids (or their
 * basics with `?mode=detailed`), read one or several (comma-separated) ids,
 * delete. Stored as `{org_id, pem}`; everything shown is derived from the PEM.
 * Tyk answers a refused upload with 403 whatever the reason; here a PEM that
 * cannot be used is the caller's mistake, 400, and only a duplicate keeps
 * Tyk's 403.
 */

type AdminContext = Context<GatewayEnv>;

/** Far above a certificate with its chain (a few KB each), far below what would strain a Worker. */
export const maxCertificateUploadBytes = 64 * 1024;

class UploadTooLarge extends Error {}

/** Go's time.Time JSON: RFC 3339 without fractional seconds when there are none; Go's zero time for a bare public key. */
function goTime(date: Date | undefined): string {
  return date ? date.toISOString().replace(".000Z", "Z") : "0001-01-01T00:00:00Z";
}

/** Tyk lists a bare public key under a made-up subject. */
function subjectOf(stored: StoredCertificate): DistinguishedName {
  return stored.certificate?.subject ?? emptyName(`Public Key: ${stored.fingerprint}`);
}

/** Tyk's CertificateMeta. */
function metaOf(stored: StoredCertificate) {
  const fields = stored.certificate;
  const dnsNames = fields?.dnsNames ?? [];
  return {
    id: stored.id,
    fingerprint: stored.fingerprint,
    has_private: false,
    issuer: fields?.issuer ?? emptyName(),
    subject: subjectOf(stored),
    not_before: goTime(fields?.notBefore),
    not_after: goTime(fields?.notAfter),
    ...(dnsNames.length > 0 ? { dns_names: dnsNames } : {}),
  };
}

/** Tyk's CertificateBasics (`?mode=detailed`). */
function basicsOf(stored: StoredCertificate) {
  const fields = stored.certificate;
  return {
    id: stored.id,
    issuer_cn: fields?.issuer.CommonName ?? "",
    subject_cn: subjectOf(stored).CommonName,
    dns_names: fields && fields.dnsNames.length > 0 ? fields.dnsNames : null,
    has_private: false,
    not_before: goTime(fields?.notBefore),
    not_after: goTime(fields?.notAfter),
  };
}

async function readStored(c: AdminContext, id: string): Promise<StoredCertificate | null> {
  if (!isStorable("certs", id)) return null;
  const document = await c.get("gateway").store.get("certs", id);
  return document === null ? null : certificateFromDocument(id, document);
}

async function addCertificate(c: AdminContext): Promise<Response> {
  let body: Uint8Array;
  try {
    body = await readBounded(c.req.raw.body, maxCertificateUploadBytes, () => new UploadTooLarge());
  } catch (error) {
    if (error instanceof UploadTooLarge) return apiError(c, 413, `Request body too large: a certificate upload is at most ${maxCertificateUploadBytes} bytes`);
    throw error;
  }
  const orgId = c.req.query("org_id") ?? "";
  const read = await readCertificatePem(new TextDecoder().decode(body), orgId);
  if (!read.ok) return apiError(c, 400, read.reason);
  const certificate = read.certificate;
  if (isExpired(certificate)) return apiError(c, 400, "certificate is expired");
  const badId = idError("certs", certificate.id);
  if (badId) return apiError(c, 400, `Invalid org_id: the certificate id ${badId}`);
  const store = c.get("gateway").store;
  if ((await store.get("certs", certificate.id)) !== null) return apiError(c, 403, `Certificate with ${certificate.id} id already exists`);
  const document: CertificateDocument = { org_id: orgId, pem: certificate.pem };
  await store.put("certs", certificate.id, document);
  c.get("gateway").certificates.remember(certificate.id, certificate);
  return c.json({ id: certificate.id, status: "ok", message: "Certificate added" }, 200);
}

async function listCertificates(c: AdminContext): Promise<Response> {
  const orgId = c.req.query("org_id") ?? "";
  const store = c.get("gateway").store;
  if (c.req.query("mode") !== "detailed") {
    const ids = (await store.listIds("certs")).filter((id) => id.startsWith(orgId)).sort();
    return c.json({ certs: ids }, 200);
  }
  const certificates: StoredCertificate[] = [];
  for (const [id, document] of await store.getAll("certs")) {
    if (!id.startsWith(orgId)) continue;
    const stored = await certificateFromDocument(id, document);
    if (stored) certificates.push(stored);
  }
  certificates.sort((a, b) => a.id.localeCompare(b.id));
  return c.json({ certs: certificates.map(basicsOf) }, 200);
}

/** Bounds one request's store reads. */
const maxIdsPerRead = 100;

async function getCertificates(c: AdminContext): Promise<Response> {
  const ids = (c.req.param("ids") ?? "").split(",");
  if (ids.length > maxIdsPerRead) return apiError(c, 400, `At most ${maxIdsPerRead} certificate ids per request`);
  const found = await Promise.all(ids.map((id) => readStored(c, id)));
  if (ids.length === 1) {
    return found[0] ? c.json(metaOf(found[0]), 200) : apiError(c, 404, "Certificate with given SHA256 fingerprint not found");
  }
  return c.json(
    found.map((stored) => (stored ? metaOf(stored) : null)),
    200,
  );
}

/** Tyk answers "removed" whether or not the certificate existed. */
async function deleteCertificate(c: AdminContext): Promise<Response> {
  const id = c.req.param("id") ?? "";
  if (isStorable("certs", id)) await c.get("gateway").store.delete("certs", id);
  c.get("gateway").certificates.remember(id, null);
  return c.json({ status: "ok", message: "removed" }, 200);
}

export const certRoutes = new Hono<GatewayEnv>()
  .get("/certs", listCertificates)
  .post("/certs", addCertificate)
  .delete("/certs", (c) => apiError(c, 400, "Must specify a certificate ID to delete"))
  .all("/certs", methodNotSupported)
  .get("/certs/:ids", getCertificates)
  .delete("/certs/:id", deleteCertificate)
  .all("/certs/:id", methodNotSupported);
