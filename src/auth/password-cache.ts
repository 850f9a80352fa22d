import { utf8 } from "../lib/encoding";
import { LruCache } from "../lib/lru";
import { isSlowHash, verifyPassword, type StoredPassword } from "./password-hash";

const maxEntries = 10_000;

interface Entry {
  digest: ArrayBuffer;
  expiresAt: number;
}

/**
 * Remembers, per isolate, that a password matched a slow (bcrypt or PBKDF2)
 * hash, as Tyk's basic auth cache does, so a client sending the same
 * credentials pays the hash cost once per TTL. Only a SHA-256 of the stored
 * hash and the password is kept; a different password falls through to the
 * full check.
 */
export class PasswordCheckCache {
  private readonly entries = new LruCache<string, Entry>(maxEntries);

  async verify(stored: StoredPassword, password: string, ttlMs: number): Promise<boolean> {
    if (!isSlowHash(stored.hash_type)) return verifyPassword(stored, password);
    const digest = await crypto.subtle.digest("SHA-256", utf8(`${stored.password}\u0000${password}`));
    const entry = this.entries.get(stored.password);
    if (entry && entry.expiresAt > Date.now() && crypto.subtle.timingSafeEqual(entry.digest, digest)) return true;
    const matches = await verifyPassword(stored, password);
    if (matches) this.entries.set(stored.password, { digest, expiresAt: Date.now() + ttlMs });
    return matches;
  }
}
