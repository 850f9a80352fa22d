import { base64FromBytes, base64FromText, hex, utf8 } from "../lib/encoding";

/** Lower-case hex SHA-256: how client secrets, codes and refresh tokens are kept at rest. */
export async function sha256Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", utf8(text)));
}

/** A new secret or refresh token as Tyk makes them: base64 of a random UUID. */
export function randomSecret(): string {
  return base64FromText(crypto.randomUUID());
}

/** A new authorization code: 24 random bytes, URL-safe base64. */
export function randomCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return base64FromBytes(bytes).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}
