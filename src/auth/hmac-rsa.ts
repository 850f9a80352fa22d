import { bytesFromBase64, utf8 } from "../lib/encoding";

/*
 * Tyk's `rsa-sha256` request signatures (gateway/mw_hmac.go): the same
 * signing string as the HMAC algorithms, signed with RSASSA-PKCS1-v1_5 over
 * SHA-256 by the holder of the private key; the signature field is the
 * base64 of the signature (URL-escaped or not).
 */

export const rsaSignatureAlgorithm = "rsa-sha256";

const rsaParameters = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

/** Imports a SubjectPublicKeyInfo (DER) for verifying; rejects when it is not an RSA key WebCrypto accepts. */
export function importRsaVerifyKey(spki: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("spki", spki, rsaParameters, false, ["verify"]);
}

export async function rsaSignatureVerifies(key: CryptoKey, signatureBase64: string, message: string): Promise<boolean> {
  const signature = bytesFromBase64(signatureBase64);
  if (!signature) return false;
  return crypto.subtle.verify(rsaParameters.name, key, signature, utf8(message));
}
