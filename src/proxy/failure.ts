import { messages, TykError } from "../lib/tyk-error";

/*
 * Tyk's answers when the upstream exchange fails (gateway/reverse_proxy.go):
 * a timeout is 504, a failed host lookup is 500 with its own message, any
 * other failure (refused, reset, TLS) is 500 "There was a problem proxying the
 * request". What workerd's fetch throws (workerd 2026-11, checked on
 * loopback): a refused or reset connection is Error "Network connection lost.";
 * a TLS handshake failure and a failed DNS lookup are both "internal error;
 * reference = …", the detail going to workerd's own log only. So a DNS
 * failure is recognised only when the message names it; otherwise it gets
 * the generic 500, whose status is the same.
 *
 * The error's flag (Tyk's classification, which `error_overrides` match):
 * URT for the timeout and DNS for the lookup follow from their messages; a
 * lost connection is UCF (workerd words a refused, a reset and a non-HTTP
 * answer alike, so Tyk's URR cannot be told apart), anything else, TLS
 * failures included, UPE.
 */

const dnsFailure = /DNS lookup failed|failed to lookup address|no such host/i;
const connectionLost = /^Network connection lost/;

/** Tyk's error for a failed upstream exchange; `timedOut` says the gateway's own deadline ended it. */
export function upstreamFailure(error: unknown, timedOut: boolean): TykError {
  if (timedOut) return new TykError(504, messages.upstreamTimeout);
  const message = error instanceof Error ? error.message : String(error);
  if (dnsFailure.test(message)) return new TykError(500, messages.upstreamLookupFailed);
  return new TykError(500, messages.proxyFailed, {}, connectionLost.test(message) ? "UCF" : "UPE");
}
