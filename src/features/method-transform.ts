import * as z from "zod";
import { compilePathPattern } from "../apidef/paths";
import { compileVersions, list, pathPattern, perVersionFragment } from "../apidef/schema";
import { defineFeature } from "../chain/feature";
import { messages, TykError } from "../lib/tyk-error";

/*
 * Tyk's method transforms (TransformMethod, `extended_paths.method_transforms`):
 * the first entry whose path and method match the request sends it upstream
 * with `to_method` instead. Tyk accepts only GET, POST, PUT, DELETE, OPTIONS
 * and PATCH and answers any other target with 405 "Method not allowed" when a
 * request matches (the definition itself still loads). Tyk matches the path
 * the request arrived with, before URL rewrites apply, so this step sits
 * before the rewrite step; which one runs first changes nothing else.
 */

const allowedTargets = new Set(["GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]);

const methodTransformEntry = z.looseObject({
  path: pathPattern,
  method: z.string().default(""),
  disabled: z.boolean().default(false),
  to_method: z.string().default(""),
});

interface CompiledTransform {
  pattern: RegExp;
  method: string;
  /** null: Tyk refuses this target with 405. */
  toMethod: string | null;
}

export const methodTransform = defineFeature({
  name: "TransformMethod",
  fields: perVersionFragment({ method_transforms: list(methodTransformEntry) }),
  honours: ["path", "method", "disabled", "to_method"].map((field) => `version_data.versions.*.extended_paths.method_transforms.*.${field}`),
  compile: (definition) => {
    const byVersion = compileVersions(definition, (version) => {
      if (!version.use_extended_paths) return undefined;
      const transforms = version.extended_paths.method_transforms
        .filter((entry) => !entry.disabled)
        .map<CompiledTransform>((entry) => {
          const target = entry.to_method.toUpperCase();
          // Tyk compares methods exactly, so an entry without one never matches.
          return { pattern: compilePathPattern(entry.path), method: entry.method.toUpperCase(), toMethod: allowedTargets.has(target) ? target : null };
        });
      return transforms.length > 0 ? transforms : undefined;
    });
    return byVersion.size > 0 ? byVersion : undefined;
  },
  step: (byVersion) => async (ctx, next) => {
    const path = ctx.apiPath;
    const transform = byVersion.get(ctx.version.name)?.find((entry) => entry.method === ctx.method && entry.pattern.test(path));
    if (transform) {
      if (!transform.toMethod) throw new TykError(405, messages.methodNotAllowed);
      ctx.upstreamMethod = transform.toMethod;
    }
    return next();
  },
});
