import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Misbehaving answers of the echo upstream (test/support/upstream.ts), for
 * timeout and failure tests:
 *
 * - `/delay/<ms>` answers "delayed" after `ms`;
 * - `/stall` sends its headers and "partial", then nothing (`?length=N` states
 *   a Content-Length of N);
 * - `/drip/<chunks>/<ms>` sends one chunk every `ms`, a body that keeps
 *   moving but takes `chunks × ms` in all;
 * - `/reset` drops the connection without answering;
 * - `/probe/<id>` tells whether the request sent with `?probe=<id>` was
 *   dropped by the gateway before its answer ended, and after how long.
 *
 * Nothing is left hanging for long: an answer still open after
 * `longestHoldMs` is dropped, so the server can always close.
 */

const longestHoldMs = 10_000;

export interface ProbeReport {
  /** The gateway closed the connection before the answer was complete. */
  dropped: boolean;
  /** Milliseconds from the request's arrival to the drop. */
  afterMs: number | null;
}

const probes = new Map<string, ProbeReport>();

function watch(request: IncomingMessage, response: ServerResponse, id: string | null): void {
  const arrivedAt = Date.now();
  const hold = setTimeout(() => response.destroy(), longestHoldMs).unref();
  if (id) probes.set(id, { dropped: false, afterMs: null });
  response.on("close", () => {
    clearTimeout(hold);
    if (id && !response.writableFinished) probes.set(id, { dropped: true, afterMs: Date.now() - arrivedAt });
  });
  request.resume();
}

/** Answers the fault paths; false for any other path. */
export function serveFault(request: IncomingMessage, response: ServerResponse): boolean {
  // A request-target such as "//" (a proxy may send one) is not a URL relative to a base, nor a fault path.
  const url = URL.parse(request.url ?? "/", "http://upstream");
  if (!url) return false;
  const [, kind = "", first = "", second = ""] = url.pathname.split("/");
  const probe = url.searchParams.get("probe");
  switch (kind) {
    case "delay": {
      watch(request, response, probe);
      const timer = setTimeout(() => response.writeHead(200, { "content-type": "text/plain", "x-upstream": "delay" }).end("delayed"), Number(first));
      response.on("close", () => clearTimeout(timer));
      return true;
    }
    case "stall": {
      watch(request, response, probe);
      const length = url.searchParams.get("length");
      response.writeHead(200, { "content-type": "text/plain", ...(length ? { "content-length": length } : {}) });
      response.write("partial");
      return true;
    }
    case "drip": {
      watch(request, response, probe);
      response.writeHead(200, { "content-type": "text/plain" });
      let left = Number(first);
      const timer = setInterval(() => {
        left -= 1;
        if (left > 0) response.write("drop\n");
        else response.end("drop\n");
      }, Number(second));
      response.on("close", () => clearInterval(timer));
      return true;
    }
    case "reset":
      request.socket.destroy();
      return true;
    case "probe":
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(probes.get(first) ?? null));
      return true;
    default:
      return false;
  }
}
