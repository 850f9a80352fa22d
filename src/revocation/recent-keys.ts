/**
 * Keys an isolate heard were changed less than the propagation window ago,
 * whose Workers KV reads may still return the old session. Bounded: when a
 * live entry has to go to make room, every key counts as recent until that
 * entry would have expired, so forgetting one never lets a stale read through.
 */
export class RecentKeys {
  /** Insertion order is expiry order: every entry lives for the same window from when it was heard. */
  private readonly until = new Map<string, number>();
  private everyKeyUntil = Number.NEGATIVE_INFINITY;

  constructor(private readonly maxKeys: number) {}

  get size(): number {
    return this.until.size;
  }

  add(ids: Iterable<string>, until: number, now: number): void {
    for (const id of ids) {
      this.until.delete(id);
      this.until.set(id, until);
    }
    for (const [id, expiry] of this.until) {
      if (expiry > now && this.until.size <= this.maxKeys) break;
      this.until.delete(id);
      if (expiry > now) this.everyKeyUntil = Math.max(this.everyKeyUntil, expiry);
    }
  }

  /** Every key counts as recent until then (the channel could not list them all). */
  addEveryKey(until: number): void {
    this.everyKeyUntil = Math.max(this.everyKeyUntil, until);
  }

  has(id: string, now: number): boolean {
    if (now < this.everyKeyUntil) return true;
    const until = this.until.get(id);
    return until !== undefined && now < until;
  }
}
