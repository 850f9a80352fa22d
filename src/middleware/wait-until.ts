import type { Context } from "hono";

/** `executionCtx.waitUntil` when the runtime gives one (tests calling `app.request` may not). */
export function waitUntilOf(c: Context): (promise: Promise<unknown>) => void {
  try {
    const ctx = c.executionCtx;
    return (promise) => ctx.waitUntil(promise);
  } catch {
    return (promise) => void promise.catch(() => undefined);
  }
}
