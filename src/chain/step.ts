import { messages, renderTykError, TykError } from "../lib/tyk-error";
import type { RequestContext } from "./context";

/** Runs the rest of the chain and resolves to its response. */
export type Next = () => Promise<Response>;

/**
 * One middleware of an API's chain. It answers itself (returning a response
 * or throwing a TykError) or calls `next` and may change what comes back.
 */
export type Step = (ctx: RequestContext, next: Next) => Promise<Response>;

export type Handler = (ctx: RequestContext) => Promise<Response>;

const endOfChain: Handler = () => Promise.reject(new Error("the chain ended without answering: the proxy step must come last"));

/** Builds an API's chain once per config snapshot; a request then runs plain function calls. */
export function compose(steps: readonly Step[]): Handler {
  return steps.reduceRight<Handler>((next, step) => (ctx) => step(ctx, () => next(ctx)), endOfChain);
}

/** Tyk's error document for a TykError; anything else is logged and answered as Tyk's internal error. */
export function errorResponse(ctx: RequestContext, error: unknown): Response {
  let tykError: TykError;
  if (error instanceof TykError) {
    tykError = error;
  } else {
    ctx.log.error("unhandled error", { error, stack: error instanceof Error ? error.stack : undefined });
    tykError = new TykError(500, messages.internal);
  }
  return renderTykError(tykError, ctx.request, ctx.gateway.config.hideGeneratorHeader);
}

/** Runs `next` and turns a thrown error into its response, for steps that see every answer (analytics). */
export async function settle(ctx: RequestContext, next: Next): Promise<{ response: Response; failed: boolean }> {
  try {
    return { response: await next(), failed: false };
  } catch (error) {
    return { response: errorResponse(ctx, error), failed: true };
  }
}
