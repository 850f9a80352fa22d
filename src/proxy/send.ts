import type { RequestContext } from "../chain/context";
import { TykError } from "../lib/tyk-error";
import { holdBodyToDeadline, UpstreamDeadline } from "./deadline";
import { upstreamFailure } from "./failure";

const bodylessMethods = new Set(["GET", "HEAD"]);

/*
 * Timeouts, as in Tyk: the response headers must come within the gateway's
 * default timeout (`TYK_GW_PROXYDEFAULTTIMEOUT`, Tyk's transport-level
 * response-header timeout) and within the hard timeout when one applies
 * (`ctx.upstreamTimeoutMs`); a hard timeout also bounds the body. Either way
 * the upstream request is aborted and the client gets 504.
 */

/** Sends the prepared upstream request to `target`; a failure or timeout becomes Tyk's error. */
export async function sendUpstream(ctx: RequestContext, target: string): Promise<Response> {
  const hardTimeoutMs = ctx.upstreamTimeoutMs;
  const defaultTimeoutMs = ctx.gateway.config.proxy.defaultTimeoutMs;
  const deadline = new UpstreamDeadline(hardTimeoutMs === undefined ? defaultTimeoutMs : Math.min(hardTimeoutMs, defaultTimeoutMs));
  const sentAt = Date.now();
  try {
    const upstream = await deadline.within(
      fetch(target, {
        method: ctx.upstreamMethod,
        headers: ctx.upstreamHeaders,
        body: bodylessMethods.has(ctx.upstreamMethod) ? undefined : ctx.upstreamBody,
        redirect: "manual",
      }),
    );
    ctx.upstreamLatency = Date.now() - sentAt;
    if (hardTimeoutMs === undefined) {
      deadline.stop();
      return upstream;
    }
    // The timer already runs to the hard deadline, unless the default timeout shortened the wait for headers.
    if (hardTimeoutMs > defaultTimeoutMs) deadline.arm(sentAt + hardTimeoutMs - Date.now());
    return await holdBodyToDeadline(upstream, deadline, () => ctx.log.warn("upstream answer cut at its hard timeout", { target, timeout_ms: hardTimeoutMs }));
  } catch (error) {
    deadline.stop();
    // A step that wraps the body (size limits) ends the stream with its own answer.
    if (error instanceof TykError) throw error;
    const failure = upstreamFailure(error, deadline.passed);
    ctx.log.error("upstream request failed", { target, status: failure.status, reason: failure.message, error });
    throw failure;
  }
}
