import { compare as bcryptCompare, hash as bcryptHash } from "bcrypt-ts/browser";
import { constantTimeEqual } from "../lib/constant-time";
import { base64FromBytes, bytesFromBase64, utf8 } from "../lib/encoding";
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

/** The most WebCrypto in Workers allows. */
const pbkdf2Iterations = 100_000;
const bcryptCost = 10;

async function pbkdf2(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", utf8(password), "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256));
}

export async function hashPassword(password: string, type: PasswordHashType): Promise<StoredPassword> {
  if (type === "pbkdf2-sha256") {
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const derived = await pbkdf2(password, salt, pbkdf2Iterations);
    return { password: `$pbkdf2-sha256$i=${pbkdf2Iterations}$${base64FromBytes(salt)}$${base64FromBytes(derived)}`, hash_type: type };
  }
  if (type === "bcrypt") return { password: await bcryptHash(password, bcryptCost), hash_type: type };
  return { password: await hashKey(password, type), hash_type: type };
}

async function verifyPbkdf2(stored: string, password: string): Promise<boolean> {
  const match = /^\$pbkdf2-sha256\$i=(\d+)\$([^$]+)\$([^$]+)$/.exec(stored);
  if (!match) return false;
  const iterations = Number(match[1]);
  const salt = bytesFromBase64(match[2]!);
  const expected = bytesFromBase64(match[3]!);
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
