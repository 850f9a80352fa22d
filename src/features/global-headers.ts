import * as z from "zod";
import { compileVersions, headerMap, list, perVersionFragment } from "../apidef/schema";
import { defineFeature } from "../chain/feature";
import { applyHeaderChanges, compileHeaderChanges, type HeaderChanges } from "./transform-headers";

/*
 * The version half of Tyk's TransformHeaders middleware: `global_headers_remove`
 * then `global_headers`, applied to the upstream request whatever
 * `use_extended_paths` says, with `$tyk_context.*` / `$tyk_meta.*` expanded.
 * Tyk applies them before the endpoint's `transform_headers`, so this step
 * sits just before src/features/transform-headers.ts.
 */

export const globalHeaders = defineFeature({
  name: "TransformHeaders (global)",
  fields: perVersionFragment(
    {},
    {
      global_headers: headerMap
        .nullable()
        .default({})
        .transform((value) => value ?? {}),
      global_headers_remove: list(z.string()),
      global_headers_disabled: z.boolean().default(false),
    },
  ),
  honours: ["global_headers", "global_headers_remove", "global_headers_disabled"].map((field) => `version_data.versions.*.${field}`),
  compile: (definition) => {
    const byVersion = compileVersions(definition, (version): HeaderChanges | undefined => {
      if (version.global_headers_disabled) return undefined;
      const changes = compileHeaderChanges(version.global_headers_remove, version.global_headers);
      return changes.remove.length + changes.add.length > 0 ? changes : undefined;
    });
    return byVersion.size > 0 ? byVersion : undefined;
  },
  step: (byVersion) => async (ctx, next) => {
    const changes = byVersion.get(ctx.version.name);
    if (changes) applyHeaderChanges(ctx.upstreamHeaders, changes, ctx);
    return next();
  },
});
