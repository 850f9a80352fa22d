import { base64FromBytes, utf8 } from "../lib/encoding";

/* RFC 7636 (PKCE) as osin checks it: plain or S256 challenges of 43 to 128 unreserved characters. */

const pkceText = /^[a-zA-Z0-9~._-]{43,128}$/;

export const pkceMethods = ["plain", "S256"] as const;
export type PkceMethod = (typeof pkceMethods)[number];

export function isPkceText(text: string): boolean {
  return pkceText.test(text);
}

export function isPkceMethod(method: string): method is PkceMethod {
  return (pkceMethods as readonly string[]).includes(method);
}

/** The challenge a verifier answers under `method`. */
export async function challengeOf(verifier: string, method: PkceMethod): Promise<string> {
  if (method === "plain") return verifier;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(verifier)));
  return base64FromBytes(digest).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}
