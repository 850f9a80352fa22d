import { createMiddleware } from "hono/factory";
import type { GatewayEnv } from "../types";
import { waitUntilOf } from "./wait-until";

/**
 * Finds the API for the request's host and path. No match is Tyk's plain-text
 * 404. Sets `api`, `apiPath`, `url` and the headers and query the upstream will receive.
 */
export const resolveApi = createMiddleware<GatewayEnv>(async (c, next) => {
  const snapshot = await c.get("gateway").configCache.current(waitUntilOf(c));
  const url = new URL(c.req.url);
  const match = snapshot.routes.match(c.req.header("host") ?? url.host, url.pathname);
  if (!match) return c.text("Not Found", 404);
  c.set("url", url);
  c.set("api", match.api);
  c.set("listenPrefix", url.pathname.slice(0, match.listenPathLength));
  c.set("apiPath", url.pathname.slice(match.listenPathLength) || "/");
  c.set("upstreamHeaders", new Headers(c.req.raw.headers));
  c.set("upstreamQuery", url.search);
  await next();
});
