import { base64FromBytes, utf8 } from "../lib/encoding";
import { httpToken } from "../lib/http-token";
import { parseHttpDate } from "./http-date";

/*
 * Tyk's HMAC request signatures (gateway/mw_http_signature_validation.go),
 * the draft-cavage "Signature" scheme:
 *   Authorization: Signature keyId="<key>",algorithm="hmac-sha256",headers="(request-target) date",signature="<url-escaped base64>"
 * The signing string is `name: value` per listed header joined by "\n";
 * `date` is taken from `X-Aux-Date` when present, else `Date`, and must be
 * within `hmac_allowed_clock_skew` ms of now (no check when ≤ 0). Every failure
 * is Tyk's one 400, so a caller learns nothing about which part was wrong.
 */

export const digests: Record<string, string> = {
  "hmac-sha1": "SHA-1",
  "hmac-sha256": "SHA-256",
  "hmac-sha384": "SHA-384",
  "hmac-sha512": "SHA-512",
};

interface SignatureFields {
  keyId: string;
  algorithm: string;
  headers: string[];
  signature: string;
}

const fieldPattern = /\s*([A-Za-z]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*(?:,|$)/y;

/** Parses `key=value` pairs, values optionally quoted; an unknown field fails, as in Tyk. */
export function parseSignatureHeader(header: string): SignatureFields | null {
  const text = header.replace(/^signature/i, "").trim();
  const fields: Record<string, string> = {};
  fieldPattern.lastIndex = 0;
  while (fieldPattern.lastIndex < text.length) {
    const start = fieldPattern.lastIndex;
    const match = fieldPattern.exec(text);
    if (!match || fieldPattern.lastIndex === start) return null;
    let value = match[2]!;
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        return null;
      }
    }
    const name = match[1]!.toLowerCase();
    if (!["keyid", "algorithm", "headers", "signature"].includes(name)) return null;
    fields[name] = value;
  }
  const headers = fields["headers"] ? fields["headers"].split(" ") : ["date"];
  // A name no header can have cannot be part of a valid signature (and Headers.get would throw on it).
  if (!headers.every((name) => name === "(request-target)" || httpToken.test(name.trim()))) return null;
  return { keyId: fields["keyid"] ?? "", algorithm: fields["algorithm"] ?? "", headers, signature: fields["signature"] ?? "" };
}

/** `X-Aux-Date` wins over `Date`, for clients that cannot set Date. */
function dateHeader(request: Request): [name: string, value: string] {
  const aux = request.headers.get("x-aux-date");
  if (aux) return ["x-aux-date", aux];
  const date = request.headers.get("date");
  return date ? ["date", date] : ["", ""];
}

function decodedPath(url: URL): string {
  try {
    return decodeURIComponent(url.pathname);
  } catch {
    return url.pathname;
  }
}

export function signingString(request: Request, url: URL, headers: string[]): string {
  return headers
    .map((listed) => {
      const name = listed.trim().toLowerCase();
      if (name === "(request-target)") return `(request-target): ${request.method.toLowerCase()} ${decodedPath(url)}`;
      const [fieldName, value] = name === "date" ? dateHeader(request) : [name, request.headers.get(name) ?? ""];
      return `${fieldName.trim()}: ${value.trim()}`;
    })
    .join("\n");
}

export async function hmacBase64(secret: string, digest: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", utf8(secret), { name: "HMAC", hash: digest }, false, ["sign"]);
  return base64FromBytes(new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8(message))));
}

export function withinClockSkew(request: Request, skewMs: number): boolean {
  const signedAt = parseHttpDate(dateHeader(request)[1]);
  if (signedAt === null) return false;
  return skewMs <= 0 || Math.abs(Date.now() - signedAt) <= skewMs;
}

export function unescapedSignature(signature: string): string | null {
  try {
    return decodeURIComponent(signature);
  } catch {
    return null;
  }
}
