import { hex } from "../lib/encoding";
import { childrenOf, contentOf, DerError, type DerNode, encodingOf, expectNode, tags } from "./der";

/*
 * The parts of an X.509 certificate (RFC 5280) the gateway uses: names for
 * the Gateway API's listings, validity for expiry checks and the
 * SubjectPublicKeyInfo for RSA signature checks. Signatures and chains are
 * not checked here: Cloudflare verifies the client's chain at the TLS
 * handshake, and the store matches certificates by their SHA-256 fingerprint.
 */

/** A distinguished name in the shape Go's pkix.Name marshals to (what Tyk's `/tyk/certs` answers carry). */
export interface DistinguishedName {
  Country: string[] | null;
  Organization: string[] | null;
  OrganizationalUnit: string[] | null;
  Locality: string[] | null;
  Province: string[] | null;
  StreetAddress: string[] | null;
  PostalCode: string[] | null;
  SerialNumber: string;
  CommonName: string;
}

export interface CertificateFields {
  subject: DistinguishedName;
  issuer: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
  dnsNames: string[];
  /** DER of the SubjectPublicKeyInfo, importable with WebCrypto's `importKey("spki", …)`. */
  subjectPublicKeyInfo: Uint8Array;
  publicKeyAlgorithm: PublicKeyAlgorithm;
}

export type PublicKeyAlgorithm = "rsa" | "ec" | "other";

// OIDs by the hex of their DER content.
const nameAttributes: Record<string, keyof DistinguishedName> = {
  "550403": "CommonName",
  "550405": "SerialNumber",
  "550406": "Country",
  "550407": "Locality",
  "550408": "Province",
  "550409": "StreetAddress",
  "55040a": "Organization",
  "55040b": "OrganizationalUnit",
  "550411": "PostalCode",
};
const publicKeyAlgorithms: Record<string, PublicKeyAlgorithm> = { "2a864886f70d010101": "rsa", "2a8648ce3d0201": "ec" };
const subjectAltNameOid = "551d11";
const dnsNameTag = 0x82;

const text = new TextDecoder();

export function emptyName(commonName = ""): DistinguishedName {
  return {
    Country: null,
    Organization: null,
    OrganizationalUnit: null,
    Locality: null,
    Province: null,
    StreetAddress: null,
    PostalCode: null,
    SerialNumber: "",
    CommonName: commonName,
  };
}

/** Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value DirectoryString } */
function readName(bytes: Uint8Array, node: DerNode): DistinguishedName {
  const name = emptyName();
  for (const set of childrenOf(bytes, node)) {
    for (const attribute of childrenOf(bytes, set)) {
      const [type, value] = childrenOf(bytes, attribute);
      if (!type || !value || type.tag !== tags.oid) throw new DerError("malformed name attribute");
      const field = nameAttributes[hex(contentOf(bytes, type))];
      if (!field) continue;
      const decoded = text.decode(contentOf(bytes, value));
      if (field === "CommonName" || field === "SerialNumber") name[field] = decoded;
      else name[field] = [...(name[field] ?? []), decoded];
    }
  }
  return name;
}

function readTime(bytes: Uint8Array, node: DerNode): Date {
  const value = text.decode(contentOf(bytes, node));
  const match =
    node.tag === tags.utcTime ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(value) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match || (node.tag !== tags.utcTime && node.tag !== tags.generalizedTime)) throw new DerError("malformed validity time");
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  // RFC 5280: a two-digit UTCTime year below 50 is in the 2000s.
  const fullYear = node.tag === tags.utcTime ? (year < 50 ? 2000 + year : 1900 + year) : year;
  return new Date(Date.UTC(fullYear, month - 1, day, hour, minute, second));
}

/** DNS names of the subjectAltName extension, when there is one. */
function readDnsNames(bytes: Uint8Array, extensionsWrapper: DerNode | undefined): string[] {
  if (!extensionsWrapper) return [];
  const extensions = expectNode(bytes, extensionsWrapper.contentStart, tags.sequence, extensionsWrapper.end);
  for (const extension of childrenOf(bytes, extensions)) {
    const parts = childrenOf(bytes, extension);
    if (parts[0]?.tag !== tags.oid || hex(contentOf(bytes, parts[0])) !== subjectAltNameOid) continue;
    const value = parts.at(-1);
    if (!value || value.tag !== tags.octetString) throw new DerError("malformed subjectAltName");
    const names = expectNode(bytes, value.contentStart, tags.sequence, value.end);
    return childrenOf(bytes, names)
      .filter((name) => name.tag === dnsNameTag)
      .map((name) => text.decode(contentOf(bytes, name)));
  }
  return [];
}

function algorithmOf(bytes: Uint8Array, spki: DerNode): PublicKeyAlgorithm {
  const [algorithm] = childrenOf(bytes, spki);
  const oid = algorithm ? childrenOf(bytes, algorithm)[0] : undefined;
  if (!oid || oid.tag !== tags.oid) throw new DerError("malformed public key algorithm");
  return publicKeyAlgorithms[hex(contentOf(bytes, oid))] ?? "other";
}

/** SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING } */
export function readPublicKeyInfo(der: Uint8Array): PublicKeyAlgorithm {
  const spki = expectNode(der, 0, tags.sequence);
  if (spki.end !== der.length) throw new DerError("trailing bytes after the public key");
  return algorithmOf(der, spki);
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } */
export function readCertificate(der: Uint8Array): CertificateFields {
  const certificate = expectNode(der, 0, tags.sequence);
  if (certificate.end !== der.length) throw new DerError("trailing bytes after the certificate");
  const tbs = expectNode(der, certificate.contentStart, tags.sequence, certificate.end);
  const fields = childrenOf(der, tbs);
  // The version is an explicit [0] tag that v1 certificates leave out.
  const first = fields[0]?.tag === 0xa0 ? 1 : 0;
  const [serial, , issuer, validity, subject, spki] = fields.slice(first);
  if (serial?.tag !== tags.integer || issuer?.tag !== tags.sequence || validity?.tag !== tags.sequence) throw new DerError("malformed certificate body");
  if (subject?.tag !== tags.sequence || spki?.tag !== tags.sequence) throw new DerError("malformed certificate body");
  const [notBefore, notAfter] = childrenOf(der, validity);
  if (!notBefore || !notAfter) throw new DerError("malformed validity");
  const extensions = fields.slice(first + 6).find((node) => node.tag === 0xa3);
  return {
    subject: readName(der, subject),
    issuer: readName(der, issuer),
    notBefore: readTime(der, notBefore),
    notAfter: readTime(der, notAfter),
    dnsNames: readDnsNames(der, extensions),
    subjectPublicKeyInfo: encodingOf(der, spki),
    publicKeyAlgorithm: algorithmOf(der, spki),
  };
}
