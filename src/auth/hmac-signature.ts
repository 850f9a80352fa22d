import type { Context } from "hono";
import { TykError } from "../errors";
import { waitUntilOf } from "../middleware/wait-until";
import type { GatewayEnv } from "../types";
import { authConfigFor, readCredential } from "./credentials";
import type { Authenticator } from "./identity";
import { constantTimeEqual } from "./password-hash";
import { sessionWithPolicies } from "../middleware/apply-policies";
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

const invalid = () => new TykError(400, "Authorization field missing, malformed or invalid");

const digests: Record<string, string> = {
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

async function hmacBase64(secret: string, digest: string, message: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: digest }, false, ["sign"]);
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
  return btoa(String.fromCharCode(...signature));
}

function withinClockSkew(request: Request, skewMs: number): boolean {
  const signedAt = parseHttpDate(dateHeader(request)[1]);
  if (signedAt === null) return false;
  return skewMs <= 0 || Math.abs(Date.now() - signedAt) <= skewMs;
}

function unescapedSignature(signature: string): string | null {
  try {
    return decodeURIComponent(signature);
  } catch {
    return null;
  }
}

async function secretFor(c: Context<GatewayEnv>, keyId: string) {
  const found = keyId ? await c.get("gateway").keys.lookup(keyId, c.get("api").orgId, waitUntilOf(c)) : null;
  if (!found) return null;
  const merged = await sessionWithPolicies(c, found.session);
  const enabled = merged !== null && (merged.hmac_enabled || merged.enable_http_signature_validation);
  return enabled && found.session.hmac_string ? { found, secret: found.session.hmac_string } : null;
}

/**
 * Only HMAC algorithms are supported; Tyk's `rsa-sha256` needs its certificate
 * store, and an unknown algorithm fails here where Tyk would use hmac-sha1.
 */
export const authenticateHmac: Authenticator = async (c) => {
  const api = c.get("api");
  const header = readCredential(c.req.raw, c.get("url"), authConfigFor(api, "hmac"));
  const fields = header ? parseSignatureHeader(header) : null;
  if (!fields) throw invalid();
  const allowed = api.definition.hmac_allowed_algorithms;
  const digest = digests[fields.algorithm];
  if (!digest || (allowed.length > 0 && !allowed.includes(fields.algorithm))) throw invalid();
  const presented = unescapedSignature(fields.signature);
  const key = await secretFor(c, fields.keyId);
  if (presented === null || !key) throw invalid();
  const expected = await hmacBase64(key.secret, digest, signingString(c.req.raw, c.get("url"), fields.headers));
  if (!(await constantTimeEqual(expected, presented))) throw invalid();
  if (!withinClockSkew(c.req.raw, api.definition.hmac_allowed_clock_skew)) throw invalid();
  return { session: key.found.session, sessionId: key.found.storageId };
};
