/**
 * The admissions of one rate counter in its sliding window: `n` admissions
 * booked at time `at` (epoch ms), kept sorted by `at`. An admission booked at
 * `at` occupies the counter until `at + windowMs`, so at any instant the
 * counter holds at most `limit` admissions and no window of `windowMs`
 * contains more than `limit` of them: there is no boundary burst.
 *
 * Admissions are normally booked at "now"; a fast-mode lease books its slots
 * at the end of the lease (a later time), which keeps the guarantee for slots
 * used at any moment before then.
 */
export interface LogEntry {
  at: number;
  n: number;
}

export class SlidingLog {
  private entries: LogEntry[] = [];
  private head = 0;
  private count = 0;

  constructor(public windowMs: number) {}

  get total(): number {
    return this.count;
  }

  get empty(): boolean {
    return this.count === 0;
  }

  /** When the oldest booked admission leaves the window (epoch ms), or undefined when there is none. */
  get nextFreeAt(): number | undefined {
    const oldest = this.entries[this.head];
    return oldest === undefined ? undefined : oldest.at + this.windowMs;
  }

  /** When the newest booked admission leaves the window, or undefined when there is none. */
  get expiresAt(): number | undefined {
    const newest = this.entries.at(-1);
    return newest === undefined || this.count === 0 ? undefined : newest.at + this.windowMs;
  }

  /** Drops admissions that have left the window; returns true when any did. */
  prune(now: number): boolean {
    const cutoff = now - this.windowMs;
    const start = this.head;
    while (this.head < this.entries.length && this.entries[this.head]!.at <= cutoff) {
      this.count -= this.entries[this.head]!.n;
      this.head++;
    }
    if (this.head === start) return false;
    // Compact now and then instead of shifting on every prune.
    if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    return true;
  }

  add(at: number, n: number): void {
    this.count += n;
    let index = this.entries.length;
    // Bookings arrive nearly in order, so the insertion point is found from the end.
    while (index > this.head && this.entries[index - 1]!.at > at) index--;
    const previous = this.entries[index - 1];
    if (index > this.head && previous!.at === at) previous!.n += n;
    else this.entries.splice(index, 0, { at, n });
  }

  /** Takes back up to `n` admissions booked at `at`; returns how many were there to take. */
  remove(at: number, n: number): number {
    for (let index = this.head; index < this.entries.length; index++) {
      const entry = this.entries[index]!;
      if (entry.at !== at) continue;
      const taken = Math.min(n, entry.n);
      entry.n -= taken;
      this.count -= taken;
      if (entry.n === 0) this.entries.splice(index, 1);
      return taken;
    }
    return 0;
  }
}
