import * as z from "zod";
import { compileVersions, headerMap, list, perVersionFragment } from "../apidef/schema";
import { defineFeature } from "../chain/feature";
import { editHeaders } from "../lib/response-headers";
import {
  applyHeaderChanges,
  compileHeaderChanges,
  compileHeaderRules,
  headerInjection,
  headerInjectionFields,
  matchingRule,
  type HeaderChanges,
  type HeaderRule,
} from "./transform-headers";

/*
 * Tyk's response header injector (ResponseHeaderInjector). Tyk adds it to
 * every API whose versions set `transform_response_headers` or
 * `global_response_headers(_remove)`; a `header_injector` entry in
 * `response_processors` is no longer needed, but its `add_headers` /
 * `remove_headers` options still apply after the version's. On each answer
 * that comes back down the chain (the upstream's, or a later step's own
 * answer; never an error document) it applies the first matching endpoint
 * entry, then, unless `global_response_headers_disabled`, the version's
 * globals and the processor's options. Endpoints match the path and method
 * the request arrived with, before URL rewrites and method transforms, as in
 * Tyk: the step sits before both.
 */

const injectorOptions = z.looseObject({
  add_headers: headerMap
    .nullable()
    .default({})
    .transform((value) => value ?? {}),
  remove_headers: list(z.string()),
});

const responseProcessor = z.looseObject({ name: z.string().default(""), options: z.unknown().optional() }).superRefine((processor, ctx) => {
  if (processor.name !== "header_injector") return;
  const parsed = injectorOptions.safeParse(processor.options ?? {});
  for (const issue of parsed.error?.issues ?? []) ctx.addIssue({ code: "custom", path: ["options", ...issue.path], message: issue.message });
});

const fields = perVersionFragment(
  { transform_response_headers: list(headerInjection) },
  {
    global_response_headers: headerMap
      .nullable()
      .default({})
      .transform((value) => value ?? {}),
    global_response_headers_remove: list(z.string()),
    global_response_headers_disabled: z.boolean().default(false),
  },
).extend({ response_processors: list(responseProcessor) });

interface VersionResponseHeaders {
  rules: HeaderRule[] | undefined;
  /** The version's globals, then the `header_injector` options; empty when globals are disabled. */
  globals: HeaderChanges[];
}

const hasChanges = (changes: HeaderChanges) => changes.remove.length + changes.add.length > 0;

export const responseHeaders = defineFeature({
  name: "ResponseHeaderInjector",
  fields,
  honours: [
    ...headerInjectionFields.map((field) => `version_data.versions.*.extended_paths.transform_response_headers.*.${field}`),
    ...["global_response_headers", "global_response_headers_remove", "global_response_headers_disabled"].map((field) => `version_data.versions.*.${field}`),
    // Other processors stay reported: the catalogue's "Response processor" entry skips `header_injector`.
  ],
  compile: (definition) => {
    const injectors = definition.response_processors
      .filter((processor) => processor.name === "header_injector")
      .map((processor) => {
        const options = injectorOptions.parse(processor.options ?? {});
        return compileHeaderChanges(options.remove_headers, options.add_headers);
      });
    const byVersion = compileVersions(definition, (version): VersionResponseHeaders | undefined => {
      const rules = version.use_extended_paths ? compileHeaderRules(version.extended_paths.transform_response_headers) : undefined;
      const globals = version.global_response_headers_disabled
        ? []
        : [compileHeaderChanges(version.global_response_headers_remove, version.global_response_headers), ...injectors].filter(hasChanges);
      return rules || globals.length > 0 ? { rules, globals } : undefined;
    });
    return byVersion.size > 0 ? byVersion : undefined;
  },
  step: (byVersion) => async (ctx, next) => {
    const plan = byVersion.get(ctx.version.name);
    const rule = matchingRule(plan?.rules, ctx.apiPath, ctx.method);
    const response = await next();
    if (!plan || (!rule && plan.globals.length === 0)) return response;
    return editHeaders(response, (headers) => {
      if (rule) applyHeaderChanges(headers, rule, ctx);
      for (const changes of plan.globals) applyHeaderChanges(headers, changes, ctx);
    });
  },
});
