/*
 * The rolling window a breaker judges its failure rate over. Tyk's breaker
 * (rubyist/circuitbreaker's RateBreaker) counts outcomes in ten buckets of
 * one second, so an outcome weighs in for ten seconds and then drops out.
 * Fixed arrays, so counting allocates nothing.
 */

export const windowBuckets = 10;
export const bucketMs = 1000;

export interface WindowTotals {
  samples: number;
  failures: number;
}

export class RollingWindow {
  /** The second each bucket counts; a bucket from an older second is stale and starts afresh. */
  private readonly seconds: number[] = new Array<number>(windowBuckets).fill(-1);
  private readonly successes: number[] = new Array<number>(windowBuckets).fill(0);
  private readonly failures: number[] = new Array<number>(windowBuckets).fill(0);

  add(now: number, successes: number, failures: number): void {
    const second = Math.floor(now / bucketMs);
    const at = second % windowBuckets;
    if (this.seconds[at] !== second) {
      this.seconds[at] = second;
      this.successes[at] = 0;
      this.failures[at] = 0;
    }
    this.successes[at]! += successes;
    this.failures[at]! += failures;
  }

  /** Outcomes of the last ten seconds, the current one included. */
  totals(now: number): WindowTotals {
    const oldest = Math.floor(now / bucketMs) - windowBuckets;
    let samples = 0;
    let failures = 0;
    for (let at = 0; at < windowBuckets; at++) {
      if (this.seconds[at]! <= oldest) continue;
      samples += this.successes[at]! + this.failures[at]!;
      failures += this.failures[at]!;
    }
    return { samples, failures };
  }

  reset(): void {
    this.seconds.fill(-1);
    this.successes.fill(0);
    this.failures.fill(0);
  }
}
