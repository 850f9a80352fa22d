import type { RequestContext } from "../../chain/context";
import { messages, TykError } from "../../lib/tyk-error";
import type { PluginAnswer } from "../../plugins/api";

/*
 * Calling user code: a plugin that throws (or rejects) answers Tyk's 500
 * "Middleware error"; the plugin's name, hook and stack go to the log. Nothing
 * is kept from a failed call, so the next request starts clean.
 */

export async function callPlugin<T>(ctx: RequestContext, plugin: string, hook: string, call: () => T | Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof TykError) throw error;
    ctx.log.error("plugin failed", {
      plugin,
      hook,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
    throw new TykError(500, messages.pluginFailed);
  }
}

export function answerResponse(answer: PluginAnswer): Response {
  return new Response(answer.body === "" ? null : answer.body, { status: answer.status, headers: answer.headers });
}
