import type { Context } from "hono";

/** Work the runtime keeps alive after the response is sent. */
export type WaitUntil = (promise: Promise<unknown>) => void;

/** `executionCtx.waitUntil` when the runtime gives one (tests calling `app.request` may not). */
export function waitUntilOf(c: Context): WaitUntil {
  try {
    const ctx = c.executionCtx;
    return (promise) => ctx.waitUntil(promise);
  } catch {
    return (promise) => void promise.catch(() => undefined);
  }
}
