/*
 * Tokens whose signature this isolate has verified, by their exact text.
 * Verifying is a pure function of (token, algorithm, key material), so a hit
 * may skip it, but only the caller knows whether the key material is still the
 * one the token verified against: each entry says which it was, and the caller
 * compares before trusting it. Time claims are never cached (the caller checks
 * them on every request), and only successes are stored.
 *
 * Keyed by the token itself rather than a digest: a digest would cost a
 * crypto call per request and a collision argument, and would save little
 * memory, since the parsed claims an entry holds are about as large as the
 * token. Memory is bounded instead: tokens longer than `maxTokenChars` are
 * never kept, and the least recently used entries go once either the count or
 * the total token length passes its bound.
 */

export interface VerifiedTokenBounds {
  maxEntries: number;
  /** Sum of the kept tokens' lengths, times the verifications kept for each; the parsed claims roughly double it. */
  maxTotalChars: number;
  maxTokenChars: number;
}

export const defaultVerifiedTokenBounds: VerifiedTokenBounds = { maxEntries: 10_000, maxTotalChars: 4 * 1024 * 1024, maxTokenChars: 4096 };

export class VerifiedTokens<Entry> {
  /** Each entry with its weight: the token's length times the verifications it holds. */
  private readonly entries = new Map<string, { entry: Entry; weight: number }>();
  private totalChars = 0;

  constructor(private readonly bounds: VerifiedTokenBounds = defaultVerifiedTokenBounds) {}

  get size(): number {
    return this.entries.size;
  }

  /** The entry, now the most recently used. */
  get(token: string): Entry | undefined {
    const kept = this.entries.get(token);
    if (kept === undefined) return undefined;
    // Re-inserting moves the token to the young end of the Map's insertion order.
    this.entries.delete(token);
    this.entries.set(token, kept);
    return kept.entry;
  }

  /** `copies`: how many verifications the entry holds, each about the token's size. */
  set(token: string, entry: Entry, copies = 1): void {
    if (token.length > this.bounds.maxTokenChars) return;
    this.delete(token);
    const weight = token.length * copies;
    this.entries.set(token, { entry, weight });
    this.totalChars += weight;
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.bounds.maxEntries && this.totalChars <= this.bounds.maxTotalChars) break;
      this.delete(oldest);
    }
  }

  delete(token: string): void {
    const kept = this.entries.get(token);
    if (kept === undefined) return;
    this.totalChars -= kept.weight;
    this.entries.delete(token);
  }
}
