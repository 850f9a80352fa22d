import { z } from "zod";
import { compileVersions, headerMap, perVersionFragment } from "../apidef/schema";
import { defineFeature } from "../chain/feature";

interface HeaderChanges {
  remove: string[];
  add: [string, string][];
}

/** The version's `global_headers_remove` then `global_headers`, applied to the upstream request. */
export const globalHeaders = defineFeature({
  name: "TransformHeaders (global)",
  fields: perVersionFragment(
    {},
    {
      global_headers: headerMap.default({}),
      global_headers_remove: z.array(z.string()).default([]),
      global_headers_disabled: z.boolean().default(false),
    },
  ),
  honours: ["global_headers", "global_headers_remove", "global_headers_disabled"].map((field) => `version_data.versions.*.${field}`),
  compile: (definition) => {
    const byVersion = compileVersions(definition, (version): HeaderChanges | undefined => {
      if (version.global_headers_disabled) return undefined;
      const changes = { remove: version.global_headers_remove, add: Object.entries(version.global_headers) };
      return changes.remove.length + changes.add.length > 0 ? changes : undefined;
    });
    return byVersion.size > 0 ? byVersion : undefined;
  },
  step: (byVersion) => async (ctx, next) => {
    const changes = byVersion.get(ctx.version.name);
    if (changes) {
      for (const name of changes.remove) ctx.upstreamHeaders.delete(name);
      for (const [name, value] of changes.add) ctx.upstreamHeaders.set(name, value);
    }
    return next();
  },
});
