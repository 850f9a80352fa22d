import { longestTimerMs } from "../lib/proxy-settings";

/*
 * The upstream exchange's deadline. The fetch itself gets no AbortSignal: a
 * signal on every fetch cost about 8% of keyless throughput in workerd
 * (`npm run bench`, side by side). Instead the request waits for the fetch
 * only until the deadline (`within`); when it passes, the gateway answers 504
 * and the request ends, and workerd cancels the subrequests a finished request
 * still has open, so the upstream sees its connection closed (tested). Under
 * a hard timeout the deadline also bounds the body (Tyk's hard timeout is a
 * context deadline that covers it): a body that streams on goes through a pipe
 * that the deadline's signal aborts.
 */

/** What `within` rejects with when the deadline passes first. */
class DeadlinePassed extends Error {
  override name = "DeadlinePassed";
}

export class UpstreamDeadline {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private expired = false;
  private rejectWait: ((reason: DeadlinePassed) => void) | undefined;
  private controller: AbortController | undefined;

  constructor(ms: number) {
    this.start(ms);
  }

  /** The deadline passed: whatever failed after it failed because of it. */
  get passed(): boolean {
    return this.expired;
  }

  /** Aborted when the deadline passes, for a body pipe. */
  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.expired) this.controller.abort();
    return this.controller.signal;
  }

  /** `work`, unless the deadline passes first (one wait at a time). */
  within<T>(work: Promise<T>): Promise<T> {
    if (this.expired) return Promise.reject(new DeadlinePassed());
    return Promise.race([
      work,
      new Promise<never>((_, reject) => {
        this.rejectWait = reject;
      }),
    ]);
  }

  /** Restarts the timer for `ms` from now (at once when not positive). */
  arm(ms: number): void {
    this.stop();
    this.start(ms);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private start(ms: number): void {
    if (ms <= 0) this.expire();
    else this.timer = setTimeout(() => this.expire(), Math.min(Math.ceil(ms), longestTimerMs));
  }

  private expire(): void {
    this.expired = true;
    this.rejectWait?.(new DeadlinePassed());
    this.controller?.abort();
  }
}

/**
 * A body of stated length up to this size is read whole under the deadline
 * before the gateway answers. workerd sends a fetched body on natively only
 * when the Worker returns it untouched; any stream the Worker sits in costs
 * about 80 µs of CPU per request, while reading a small body whole costs
 * next to nothing, and a body that stalls then gets Tyk's 504, not a cut.
 */
export const bufferedBodyLimit = 64 * 1024;

/** The stated length of a body sent as is (not content-encoded), or null. */
function plainLength(headers: Headers): number | null {
  const encoding = headers.get("content-encoding");
  if (encoding !== null && encoding.toLowerCase() !== "identity") return null;
  const stated = headers.get("content-length");
  return stated !== null && /^\d+$/.test(stated) ? Number(stated) : null;
}

/**
 * The upstream answer with its body held to the deadline. A small body of
 * stated length is read first (a failure rejects, before anything is sent);
 * any other body streams through a pipe the deadline aborts, which cuts the
 * client's connection mid-body (`onCut`). The timer stops once the body is
 * through.
 */
export async function holdBodyToDeadline(upstream: Response, deadline: UpstreamDeadline, onCut: () => void): Promise<Response> {
  const body = upstream.body;
  if (!body) {
    deadline.stop();
    return upstream;
  }
  const length = plainLength(upstream.headers);
  if (length !== null && length <= bufferedBodyLimit) {
    const bytes = await deadline.within(upstream.arrayBuffer()).finally(() => deadline.stop());
    return new Response(bytes, upstream);
  }
  // A stream of known length keeps the answer's framing; workerd sends one of unknown length chunked.
  const pipe = length === null ? new IdentityTransformStream() : new FixedLengthStream(length);
  body.pipeTo(pipe.writable, { signal: deadline.signal }).then(
    () => deadline.stop(),
    () => {
      deadline.stop();
      if (deadline.passed) onCut();
    },
  );
  return new Response(pipe.readable, upstream);
}
