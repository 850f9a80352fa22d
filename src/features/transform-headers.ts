import * as z from "zod";
import { compilePathPattern } from "../apidef/paths";
import { compileVersions, headerMap, list, pathPattern, perVersionFragment } from "../apidef/schema";
import type { RequestContext } from "../chain/context";
import { defineFeature } from "../chain/feature";
import { httpToken } from "../lib/http-token";
import { compileTemplate, type Template } from "./context-vars";

/*
 * Tyk's endpoint header transforms (`extended_paths.transform_headers`, the
 * endpoint half of the TransformHeaders middleware; the version's
 * `global_headers` are src/features/global-headers.ts, which runs just
 * before). The first entry whose path and method match the request applies:
 * its `delete_headers` are removed, then its `add_headers` set, with
 * `$tyk_context.*` / `$tyk_meta.*` expanded. The same entry shape serves
 * `transform_response_headers` (src/features/response-headers.ts).
 */

/** Tyk's HeaderInjectionMeta. `act_on` is read by nothing in Tyk either. */
export const headerInjection = z.looseObject({
  path: pathPattern,
  method: z.string().default(""),
  disabled: z.boolean().default(false),
  delete_headers: list(z.string()),
  add_headers: headerMap
    .nullable()
    .default({})
    .transform((value) => value ?? {}),
  act_on: z.boolean().default(false),
});

type HeaderInjection = z.output<typeof headerInjection>;

export const headerInjectionFields = ["path", "method", "disabled", "delete_headers", "add_headers", "act_on"];

/** Header changes with their values compiled: names to remove, then names to set. */
export interface HeaderChanges {
  remove: string[];
  add: [string, Template][];
}

export interface HeaderRule extends HeaderChanges {
  pattern: RegExp;
  method: string;
}

/** What the Headers API accepts as a value: Latin-1 without NUL, CR or LF. */
const fieldValue = /^[^\0\r\n\u0100-\uffff]*$/;

/**
 * A name that is not an HTTP token is dropped: no request carries it (so
 * deleting it changes nothing) and none can be sent with it (Tyk's upstream
 * request would fail), where the Headers API would throw on every request.
 */
export function compileHeaderChanges(remove: readonly string[], add: Record<string, string>): HeaderChanges {
  return {
    remove: remove.filter((name) => httpToken.test(name)),
    add: Object.entries(add)
      .filter(([name]) => httpToken.test(name))
      .map(([name, value]) => [name, compileTemplate(value)]),
  };
}

/**
 * The entries Tyk matches, in order, or undefined when none changes anything
 * (Tyk's `HasEndpointReqHeader` / `HasEndpointResHeader`). A disabled entry is
 * skipped; an enabled one that changes nothing still matches, as in Tyk.
 */
export function compileHeaderRules(entries: readonly HeaderInjection[]): HeaderRule[] | undefined {
  const active = entries.filter((entry) => !entry.disabled);
  if (!active.some((entry) => entry.delete_headers.length > 0 || Object.keys(entry.add_headers).length > 0)) return undefined;
  return active.map((entry) => ({
    pattern: compilePathPattern(entry.path),
    // Tyk compares methods exactly, so an entry without one never matches.
    method: entry.method.toUpperCase(),
    ...compileHeaderChanges(entry.delete_headers, entry.add_headers),
  }));
}

export function matchingRule(rules: readonly HeaderRule[] | undefined, path: string, method: string): HeaderRule | undefined {
  return rules?.find((rule) => rule.method === method && rule.pattern.test(path));
}

export function applyHeaderChanges(headers: Headers, changes: HeaderChanges, ctx: RequestContext): void {
  for (const name of changes.remove) headers.delete(name);
  for (const [name, template] of changes.add) {
    // A value written in the definition or expanded from request or session data may hold characters no header carries.
    const value = template(ctx);
    if (fieldValue.test(value)) headers.set(name, value);
  }
}

export const transformHeaders = defineFeature({
  name: "TransformHeaders",
  fields: perVersionFragment({ transform_headers: list(headerInjection) }),
  honours: headerInjectionFields.map((field) => `version_data.versions.*.extended_paths.transform_headers.*.${field}`),
  compile: (definition) => {
    const byVersion = compileVersions(definition, (version) =>
      version.use_extended_paths ? compileHeaderRules(version.extended_paths.transform_headers) : undefined,
    );
    return byVersion.size > 0 ? byVersion : undefined;
  },
  step: (byVersion) => async (ctx, next) => {
    const rule = matchingRule(byVersion.get(ctx.version.name), ctx.apiPath, ctx.method);
    if (rule) applyHeaderChanges(ctx.upstreamHeaders, rule, ctx);
    return next();
  },
});
