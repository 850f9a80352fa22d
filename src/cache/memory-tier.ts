/*
 * The isolate's own copy of small cached answers, in front of the Cache API:
 * a hit from memory costs no I/O and no hashing. Entries keep their Cache API
 * expiry and are keyed by the key's text (src/cache/key.ts, so a new cache
 * generation misses here too); the least recently used go first once the
 * byte budget (bodies, keys and an allowance for headers) is spent.
 */

export interface RememberedAnswer {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: Uint8Array;
  /** Epoch ms after which the answer is no longer served. */
  expiresAt: number;
}

/** Bodies up to this size are kept in memory as well. */
export const memoryEntryMaxBytes = 64 * 1024;
/** Bytes one isolate keeps: bodies, keys (UTF-16) and a rough allowance per entry for its headers. */
export const memoryBudgetBytes = 8 * 1024 * 1024;
const perEntryBytes = 1024;

export class MemoryTier {
  private readonly entries = new Map<string, { answer: RememberedAnswer; bytes: number }>();
  private bytes = 0;

  constructor(private readonly budgetBytes = memoryBudgetBytes) {}

  get(key: string, now = Date.now()): RememberedAnswer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.answer.expiresAt <= now) {
      this.bytes -= entry.bytes;
      return undefined;
    }
    // Re-inserting moves it to the young end of the Map's order.
    this.entries.set(key, entry);
    return entry.answer;
  }

  set(key: string, answer: RememberedAnswer): void {
    if (answer.body.byteLength > memoryEntryMaxBytes) return;
    this.forget(key);
    const bytes = answer.body.byteLength + key.length * 2 + perEntryBytes;
    this.entries.set(key, { answer, bytes });
    this.bytes += bytes;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= this.budgetBytes) break;
      this.forget(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private forget(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}
