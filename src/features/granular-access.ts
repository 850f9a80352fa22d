import { compileAllowedUrl } from "../apidef/paths";
import type { RequestContext } from "../chain/context";
import { defineFeature } from "../chain/feature";
import { messages, TykError } from "../lib/tyk-error";
import { accessTo } from "../session/access";

/** A pattern that does not compile or fails the regex safety check (stored before either was checked) never matches: 403. */
function allowedUrlPattern(ctx: RequestContext, url: string): RegExp | null {
  const patterns = ctx.gateway.caches.sessionPatterns;
  const cacheKey = `allowed:${url}`;
  let pattern = patterns.get(cacheKey);
  if (pattern === undefined) {
    try {
      pattern = compileAllowedUrl(url);
    } catch (error) {
      ctx.log.error("a key's allowed_urls pattern cannot be used; it never matches", { url, reason: error instanceof Error ? error.message : String(error) });
      pattern = null;
    }
    patterns.set(cacheKey, pattern);
  }
  return pattern;
}

/**
 * Tyk's GranularAccess check on `access_rights.<api>.allowed_urls`. A pattern
 * is matched against the path below the listen path and against the full
 * request path, so keys written either way keep working. An entry without
 * methods allows every method.
 */
export const granularAccess = defineFeature({
  name: "GranularAccess",
  honours: [],
  compile: (_fields, api) => (api.keyless ? undefined : true),
  step: (_options, api) => async (ctx, next) => {
    const session = ctx.session;
    const allowedUrls = session ? (accessTo(session, api.id)?.allowed_urls ?? []) : [];
    if (allowedUrls.length > 0) {
      const method = ctx.method;
      const path = ctx.url.pathname;
      const allowed = allowedUrls.some((entry) => {
        if (entry.methods.length > 0 && !entry.methods.some((name) => name.toUpperCase() === method)) return false;
        const pattern = allowedUrlPattern(ctx, entry.url);
        return pattern !== null && (pattern.test(ctx.apiPath) || pattern.test(path));
      });
      if (!allowed) throw new TykError(403, messages.resourceDisallowed);
    }
    return next();
  },
});
