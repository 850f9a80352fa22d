import { bytesFromBase64 } from "../lib/encoding";
import type { HostCheck } from "./definition";

/** One check's outcome (Tyk's HostHealthReport). */
export interface ProbeResult {
  check: HostCheck;
  /** 0 when no answer came. */
  responseCode: number;
  /** The request failed or timed out: no answer at all. */
  tcpError: boolean;
  latencyMs: number;
}

const bodyless = new Set(["GET", "HEAD"]);

/** Sends the check request. Redirects are followed, as Go's client does; the answer's body is never read. */
export async function probe(check: HostCheck): Promise<ProbeResult> {
  const startedAt = Date.now();
  try {
    const response = await fetch(check.url, {
      method: check.method,
      headers: check.headers,
      // Go sends a GET's body too; fetch refuses to, so a GET or HEAD check goes without one.
      body: check.body === "" || bodyless.has(check.method.toUpperCase()) ? undefined : bytesFromBase64(check.body),
      signal: AbortSignal.timeout(check.timeoutMs),
    });
    await response.body?.cancel();
    return { check, responseCode: response.status, tcpError: false, latencyMs: Date.now() - startedAt };
  } catch {
    return { check, responseCode: 0, tcpError: true, latencyMs: Date.now() - startedAt };
  }
}

/** Tyk counts a check as failed unless it answered exactly 200. */
export function passed(result: ProbeResult): boolean {
  return !result.tcpError && result.responseCode === 200;
}
