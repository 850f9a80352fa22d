/*
 * The dashboard's protection: one shared secret (PUMP_DASHBOARD_SECRET),
 * presented either as `Authorization: Bearer <secret>` or once to the login
 * form, which answers with a session cookie. The cookie never carries the
 * secret: it is an expiry and an HMAC of it keyed by the secret, so changing
 * the secret ends every session. Comparisons are constant-time.
 */

export const sessionCookie = "portcullis_dashboard";
export const sessionSeconds = 12 * 3600;
/** Shorter secrets are refused: the dashboard stays off rather than guessable. */
export const minimumSecretLength = 16;

const encoder = new TextEncoder();

async function digest(value: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", encoder.encode(value));
}

/** Constant-time: both sides are hashed to the same length first, so neither length nor content leaks through timing. */
export async function secretMatches(presented: string, secret: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(presented), digest(secret)]);
  return crypto.subtle.timingSafeEqual(a, b);
}

function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

const sessionLabel = (expires: number) => `portcullis-dashboard-session:${expires}`;

function base64url(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** A session token valid until `nowSeconds + sessionSeconds`. */
export async function issueSession(secret: string, nowSeconds: number): Promise<string> {
  const expires = nowSeconds + sessionSeconds;
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(sessionLabel(expires)));
  return `${expires}.${base64url(mac)}`;
}

/** True for an unexpired token this secret issued (HMAC verification is constant-time). */
export async function sessionValid(token: string, secret: string, nowSeconds: number): Promise<boolean> {
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return false;
  const expires = Number(match[1]);
  const mac = fromBase64url(match[2]!);
  if (!mac || expires <= nowSeconds) return false;
  return crypto.subtle.verify("HMAC", await hmacKey(secret), mac, encoder.encode(sessionLabel(expires)));
}
