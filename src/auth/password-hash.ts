import { compare as bcryptCompare, hash as bcryptHash } from "bcrypt-ts/browser";
import { hashKey, isHashAlgorithm } from "../session/keys";
import type { PasswordHashType } from "../session/key-settings";

/*
 * Basic auth passwords at rest (`basic_auth_data{password, hash_type}`), in
 * every form Tyk writes: "" (plain text), sha256 / murmur32/64/128 (hex, as
 * Tyk's HashStr), bcrypt (and anything unknown, as Tyk falls back to bcrypt),
 * plus Portcullis' default `pbkdf2-sha256`:
 * `$pbkdf2-sha256$i=<iterations>$<base64 salt>$<base64 hash>`.
 */

export interface StoredPassword {
  password: string;
  hash_type: string;
}

const encoder = new TextEncoder();
/** The most WebCrypto in Workers allows. */
const pbkdf2Iterations = 100_000;
const bcryptCost = 10;

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function fromBase64(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}

async function pbkdf2(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(password), "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256));
}

/** Compares without revealing where the inputs differ; both sides are digested first so lengths may differ. */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const [left, right] = await Promise.all([a, b].map((text) => crypto.subtle.digest("SHA-256", encoder.encode(text))));
  return crypto.subtle.timingSafeEqual(left!, right!);
}

export async function hashPassword(password: string, type: PasswordHashType): Promise<StoredPassword> {
  if (type === "pbkdf2-sha256") {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const derived = await pbkdf2(password, salt, pbkdf2Iterations);
    return { password: `$pbkdf2-sha256$i=${pbkdf2Iterations}$${toBase64(salt)}$${toBase64(derived)}`, hash_type: type };
  }
  if (type === "bcrypt") return { password: await bcryptHash(password, bcryptCost), hash_type: type };
  return { password: await hashKey(password, type), hash_type: type };
}

async function verifyPbkdf2(stored: string, password: string): Promise<boolean> {
  const match = /^\$pbkdf2-sha256\$i=(\d+)\$([^$]+)\$([^$]+)$/.exec(stored);
  if (!match) return false;
  const iterations = Number(match[1]);
  const salt = fromBase64(match[2]!);
  const expected = fromBase64(match[3]!);
  if (!salt || !expected || iterations < 1 || iterations > pbkdf2Iterations) return false;
  const derived = await pbkdf2(password, salt, iterations);
  return derived.length === expected.length && crypto.subtle.timingSafeEqual(derived, expected);
}

/** Slow kinds (bcrypt, PBKDF2) are worth a verification cache; the others are cheap to recompute. */
export function isSlowHash(hashType: string): boolean {
  return hashType !== "" && !isHashAlgorithm(hashType);
}

export async function verifyPassword(stored: StoredPassword, password: string): Promise<boolean> {
  const type = stored.hash_type;
  if (type === "") return constantTimeEqual(stored.password, password);
  if (isHashAlgorithm(type)) return constantTimeEqual(stored.password, await hashKey(password, type));
  if (type === "pbkdf2-sha256") return verifyPbkdf2(stored.password, password);
  try {
    return await bcryptCompare(password, stored.password);
  } catch {
    return false;
  }
}
