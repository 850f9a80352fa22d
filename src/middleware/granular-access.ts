import { createMiddleware } from "hono/factory";
import { messages, TykError } from "../errors";
import type { GatewayEnv } from "../types";

const maxCachedPatterns = 10_000;
const compiledPatterns = new Map<string, RegExp | null>();

/** `{id}` stands for one segment; the rest is a regex anchored at the start of the path. */
function allowedUrlPattern(url: string): RegExp | null {
  let pattern = compiledPatterns.get(url);
  if (pattern === undefined) {
    try {
      pattern = new RegExp(`^${url.replace(/\{[^/{}]*\}/g, "[^/]+")}`);
    } catch {
      pattern = null;
    }
    if (compiledPatterns.size >= maxCachedPatterns) compiledPatterns.clear();
    compiledPatterns.set(url, pattern);
  }
  return pattern;
}

/**
 * Tyk's GranularAccess check on `access_rights.<api>.allowed_urls`. A pattern
 * is matched against the path below the listen path and against the full
 * request path, so keys written either way keep working. An entry without
 * methods allows every method.
 */
export const checkGranularAccess = createMiddleware<GatewayEnv>(async (c, next) => {
  const allowedUrls = c.get("session")?.access_rights[c.get("api").id]?.allowed_urls ?? [];
  if (allowedUrls.length > 0) {
    const method = c.req.method;
    const apiPath = c.get("apiPath");
    const path = c.get("url").pathname;
    const allowed = allowedUrls.some((entry) => {
      if (entry.methods.length > 0 && !entry.methods.some((name) => name.toUpperCase() === method)) return false;
      const pattern = allowedUrlPattern(entry.url);
      return pattern !== null && (pattern.test(apiPath) || pattern.test(path));
    });
    if (!allowed) throw new TykError(403, messages.resourceDisallowed);
  }
  await next();
});
