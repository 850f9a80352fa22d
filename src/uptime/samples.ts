/*
 * Tyk's failure sampling for one check URL (host_checker.go HostReporter).
 * Failures count up; the one that reaches the sample size marks the host down,
 * and so does every failure after it. Once down, each success counts back
 * down and the host is up again when the count reaches zero. Failures below
 * the limit are never forgotten by a success, so scattered failures add up,
 * as in Tyk.
 */

export interface Sample {
  count: number;
  reachedLimit: boolean;
}

/** What the result means for the host: Tyk's HostDown (its Fail callback) or HostUp, or nothing. */
export type Verdict = "down" | "up" | null;

export interface Sampled {
  /** undefined: no sample is kept for the URL. */
  sample: Sample | undefined;
  verdict: Verdict;
}

export function sampleFailure(previous: Sample | undefined, sampleSize: number): Sampled {
  const count = (previous?.count ?? 0) + 1;
  if (count < sampleSize) return { sample: { count, reachedLimit: false }, verdict: null };
  // Only the failure that first reaches the limit stores its count; later ones leave it where it is.
  return { sample: previous?.reachedLimit ? previous : { count, reachedLimit: true }, verdict: "down" };
}

export function sampleSuccess(previous: Sample | undefined): Sampled {
  if (!previous?.reachedLimit) return { sample: previous, verdict: null };
  const count = previous.count - 1;
  return count <= 0 ? { sample: undefined, verdict: "up" } : { sample: { count, reachedLimit: true }, verdict: null };
}
