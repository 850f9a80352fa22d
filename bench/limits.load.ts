import autocannon from "autocannon";

/* Closed-loop load against every gateway isolate at once, and the window arithmetic the report needs. */

export interface LoadResult {
  requests: number;
  rps: number;
  ok: number;
  limited: number;
  /** Errors and status codes other than 200, 403 and 429. */
  failed: number;
  /** What the failures were: status codes, or error names. */
  failures: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
}

/** When an admitted request was sent and when its answer came back (ms); the decision lies in between. */
export interface Interval {
  sentAt: number;
  receivedAt: number;
}

const clock = () => performance.timeOrigin + performance.now();

const expectedStatuses = new Set([200, 403, 429]);

function once(
  url: string,
  headers: Record<string, string>[],
  connections: number,
  durationSec: number,
  failures: Record<string, number>,
  admitted?: Interval[],
): Promise<autocannon.Result> {
  // Each connection cycles through the header sets, so several keys share the load evenly.
  const requests = headers.map((set) => ({ headers: set }));
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url, requests, connections, duration: durationSec, pipelining: 1 }, (error, result) =>
      error ? reject(error) : resolve(result),
    );
    const count = (what: string) => (failures[what] = (failures[what] ?? 0) + 1);
    instance.on("reqError", (error) => count(error.name));
    instance.on("response", (_client, status, _bytes, responseTime) => {
      if (!expectedStatuses.has(status)) count(String(status));
      if (status !== 200 || !admitted) return;
      const receivedAt = clock();
      admitted.push({ sentAt: receivedAt - responseTime, receivedAt });
    });
  });
}

/** Splits `connections` over the isolates and runs them together for `durationSec`; `admitted` collects the 200s. */
export async function load(
  bases: string[],
  path: string,
  headers: Record<string, string>[],
  connections: number,
  durationSec: number,
  admitted?: Interval[],
): Promise<LoadResult> {
  const per = Math.max(1, Math.floor(connections / bases.length));
  const failures: Record<string, number> = {};
  const results = await Promise.all(bases.map((base) => once(`${base}${path}`, headers, per, durationSec, failures, admitted)));
  const sum = (pick: (result: autocannon.Result) => number) => results.reduce((total, result) => total + pick(result), 0);
  const ok = sum((result) => result["2xx"]);
  const limited = sum((result) => result["4xx"]);
  const requests = ok + limited + sum((result) => result["1xx"] + result["3xx"] + result["5xx"]);
  return {
    requests,
    rps: requests / durationSec,
    ok,
    limited,
    failed: sum((result) => result.errors + result.timeouts + result.non2xx - result["4xx"]),
    failures,
    p50Ms: Math.max(...results.map((result) => result.latency.p50)),
    p99Ms: Math.max(...results.map((result) => result.latency.p99)),
  };
}

/** The most arrivals in any window of `windowMs`. */
export function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let start = 0, end = 0; start < sorted.length; start++) {
    while (end < sorted.length && sorted[end]! < sorted[start]! + windowMs) end++;
    best = Math.max(best, end - start);
  }
  return best;
}

/**
 * A lower bound on the admissions decided in one window: requests sent and
 * answered inside the same window were certainly decided inside it. Above
 * the limit, the limiter provably over-admitted.
 */
export function certainlyInOneWindow(admitted: Interval[], windowMs: number): number {
  let best = 0;
  for (const { sentAt: start } of admitted) {
    const inside = admitted.filter((interval) => interval.sentAt >= start && interval.receivedAt < start + windowMs).length;
    best = Math.max(best, inside);
  }
  return best;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
