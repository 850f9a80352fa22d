import { z } from "zod";
import { compilePathPattern } from "../apidef/paths";
import { compileVersions, list, pathPattern, perVersionFragment, regexSource } from "../apidef/schema";
import { defineFeature } from "../chain/feature";

/*
 * Tyk's basic URL rewrite: on a matching endpoint, `match_pattern` is applied
 * to the path below the listen path and replaced by `rewrite_to` (`$1`… are
 * capture groups). A result that is a full URL replaces the upstream URL.
 * The original query string is kept unless the rewrite sets its own.
 * Advanced rewrites (`triggers`) are not honoured (see the manifest).
 */

const urlRewrite = z.looseObject({
  path: pathPattern,
  method: z.string().default(""),
  disabled: z.boolean().default(false),
  match_pattern: regexSource,
  rewrite_to: z.string(),
});

interface CompiledRewrite {
  pattern: RegExp;
  methods: Set<string> | null;
  matchPattern: RegExp;
  rewriteTo: string;
}

export const rewriteUrl = defineFeature({
  name: "URLRewriteMiddleware",
  fields: perVersionFragment({ url_rewrites: list(urlRewrite) }),
  honours: ["path", "method", "disabled", "match_pattern", "rewrite_to"].map((field) => `version_data.versions.*.extended_paths.url_rewrites.*.${field}`),
  compile: (definition) => {
    const byVersion = compileVersions(definition, (version) => {
      if (!version.use_extended_paths) return undefined;
      const rewrites = version.extended_paths.url_rewrites
        .filter((entry) => !entry.disabled)
        .map<CompiledRewrite>((entry) => ({
          pattern: compilePathPattern(entry.path),
          methods: entry.method ? new Set([entry.method.toUpperCase()]) : null,
          matchPattern: new RegExp(entry.match_pattern),
          rewriteTo: entry.rewrite_to,
        }));
      return rewrites.length > 0 ? rewrites : undefined;
    });
    return byVersion.size > 0 ? byVersion : undefined;
  },
  step: (byVersion) => async (ctx, next) => {
    const rewrites = byVersion.get(ctx.version.name) ?? [];
    const apiPath = ctx.apiPath;
    for (const rewrite of rewrites) {
      if ((rewrite.methods && !rewrite.methods.has(ctx.method)) || !rewrite.pattern.test(apiPath)) continue;
      if (!rewrite.matchPattern.test(apiPath)) continue;
      const rewritten = apiPath.replace(rewrite.matchPattern, rewrite.rewriteTo);
      if (URL.canParse(rewritten)) {
        ctx.rewrittenUrl = new URL(rewritten);
      } else {
        const [path = "", query] = rewritten.split("?", 2);
        ctx.apiPath = path.startsWith("/") ? path : `/${path}`;
        if (query !== undefined) ctx.upstreamQuery = `?${query}`;
      }
      break;
    }
    return next();
  },
});
