import { createMiddleware } from "hono/factory";
import type { GatewayEnv } from "../types";

/** The version's `global_headers_remove` then `global_headers`, applied to the upstream request. */
export const injectGlobalHeaders = createMiddleware<GatewayEnv>(async (c, next) => {
  const { removeHeaders, addHeaders } = c.get("version");
  const headers = c.get("upstreamHeaders");
  for (const name of removeHeaders) headers.delete(name);
  for (const [name, value] of addHeaders) headers.set(name, value);
  await next();
});
