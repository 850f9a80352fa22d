import { hex } from "./encoding";

/*
 * W3C Trace Context (https://www.w3.org/TR/trace-context/). The gateway takes
 * part in the client's trace as one span: the upstream receives the same trace
 * id with the gateway's span id as its parent, so a tracing backend shows
 * client → gateway → upstream. A request without a valid `traceparent` starts
 * a new trace.
 */

/** version-traceid-parentid-flags, lower-case hex; later versions may append fields after a dash. */
const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const zeros = /^0+$/;
/** Trace flags with only "sampled" set: a trace the gateway starts asks the upstream to record it. */
const sampled = "01";

export interface TraceContext {
  traceId: string;
  /** The gateway's own span: the parent the upstream sees. */
  spanId: string;
  flags: string;
  /** The client's `tracestate`, kept only when its `traceparent` was valid (the spec ties one to the other). */
  state: string | null;
}

function randomHex(bytes: number): string {
  return hex(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The trace id and flags of a valid `traceparent`; null when it is malformed (it is then replaced, as the spec asks). */
export function parseTraceparent(value: string | null): { traceId: string; flags: string } | null {
  if (value === null) return null;
  const match = traceparentPattern.exec(value.trim());
  if (!match) return null;
  const [, version, traceId, parentId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === "ff" || zeros.test(traceId) || zeros.test(parentId)) return null;
  // Version 00 has exactly four fields; a later version may add some, which a 00 implementation ignores.
  if (version === "00" && rest !== undefined) return null;
  return { traceId, flags };
}

/** The request's trace: the client's when its `traceparent` is valid, else a new one; the gateway's span id is always new. */
export function traceOf(headers: Headers): TraceContext {
  const parent = parseTraceparent(headers.get("traceparent"));
  if (parent) return { traceId: parent.traceId, spanId: randomHex(8), flags: parent.flags, state: headers.get("tracestate") };
  // One draw for both ids: the random source costs more per call than per byte.
  const ids = randomHex(24);
  return { traceId: ids.slice(0, 32), spanId: ids.slice(32), flags: sampled, state: null };
}

/** Sets the headers the upstream receives: the gateway's span as parent, and the client's `tracestate` or none. */
export function propagateTrace(headers: Headers, trace: TraceContext): void {
  headers.set("traceparent", `00-${trace.traceId}-${trace.spanId}-${trace.flags}`);
  if (trace.state === null) headers.delete("tracestate");
  else headers.set("tracestate", trace.state);
}
