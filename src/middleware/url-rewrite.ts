import { createMiddleware } from "hono/factory";
import type { GatewayEnv } from "../types";

/**
 * Tyk's basic URL rewrite: on a matching endpoint, `match_pattern` is applied
 * to the path below the listen path and replaced by `rewrite_to` (`$1`… are
 * capture groups). A result that is a full URL replaces the upstream URL.
 * The original query string is kept unless the rewrite sets its own.
 */
export const rewriteUrl = createMiddleware<GatewayEnv>(async (c, next) => {
  const method = c.req.method;
  const apiPath = c.get("apiPath");
  for (const rewrite of c.get("version").urlRewrites) {
    if ((rewrite.methods && !rewrite.methods.has(method)) || !rewrite.pattern.test(apiPath)) continue;
    if (!rewrite.matchPattern.test(apiPath)) continue;
    const rewritten = apiPath.replace(rewrite.matchPattern, rewrite.rewriteTo);
    if (URL.canParse(rewritten)) {
      c.set("rewrittenUrl", new URL(rewritten));
    } else {
      const [path = "", query] = rewritten.split("?", 2);
      c.set("apiPath", path.startsWith("/") ? path : `/${path}`);
      if (query !== undefined) c.set("upstreamQuery", `?${query}`);
    }
    break;
  }
  await next();
});
