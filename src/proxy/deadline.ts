import { longestTimerMs } from "../lib/proxy-settings";

/*
 * The upstream exchange's deadline. One AbortController goes with the fetch:
 * when its timer fires, workerd drops the upstream connection, so the
 * upstream sees the request closed. Before the response headers the timer
 * is the wait for them; under a hard timeout it is then re-armed for the
 * rest of the exchange, as Tyk's hard timeout (a context deadline) covers the
 * body too.
 */

export class UpstreamDeadline {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(ms: number) {
    this.start(ms);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The deadline passed: whatever failed after it failed because of it. */
  get passed(): boolean {
    return this.controller.signal.aborted;
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
    if (ms <= 0) this.controller.abort();
    else this.timer = setTimeout(() => this.controller.abort(), Math.min(Math.ceil(ms), longestTimerMs));
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
    const bytes = await upstream.arrayBuffer().finally(() => deadline.stop());
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
