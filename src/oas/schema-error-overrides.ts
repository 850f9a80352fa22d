import * as z from "zod";

/*
 * `x-tyk-api-gateway.errorOverrides` (Tyk 5.x): the classic `error_overrides`
 * map with camel-case names, switched by `enabled`. Only the shape is checked
 * here; the rules themselves (patterns, templates, flags) are checked by the
 * classic field they become (src/lib/error-overrides.ts), with its path.
 */

const matcherSchema = z.looseObject({
  flag: z.string().optional(),
  messagePattern: z.string().optional(),
  bodyField: z.string().optional(),
  bodyValue: z.string().optional(),
});

const responseSchema = z.looseObject({
  statusCode: z.number().int().optional(),
  body: z.string().optional(),
  message: z.string().optional(),
  template: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

export const errorOverridesSchema = z.looseObject({
  enabled: z.boolean(),
  value: z.record(z.string(), z.array(z.looseObject({ match: matcherSchema.optional(), response: responseSchema }))).optional(),
});

export type OasErrorOverrides = z.infer<typeof errorOverridesSchema>;
