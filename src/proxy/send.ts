import type { RequestContext } from "../chain/context";
import { messages, TykError } from "../lib/tyk-error";

const bodylessMethods = new Set(["GET", "HEAD"]);

/** Sends the prepared upstream request to `target`; a transport failure becomes Tyk's error. */
export async function sendUpstream(ctx: RequestContext, target: string): Promise<Response> {
  const sentAt = Date.now();
  try {
    const upstream = await fetch(target, {
      method: ctx.upstreamMethod,
      headers: ctx.upstreamHeaders,
      body: bodylessMethods.has(ctx.upstreamMethod) ? undefined : ctx.upstreamBody,
      redirect: "manual",
    });
    ctx.upstreamLatency = Date.now() - sentAt;
    return upstream;
  } catch (error) {
    // A step that wraps the body (size limits) ends the stream with its own answer.
    if (error instanceof TykError) throw error;
    ctx.log.error("upstream request failed", { target, error });
    throw new TykError(500, messages.proxyFailed);
  }
}
