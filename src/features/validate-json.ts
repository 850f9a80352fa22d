import * as z from "zod";
import { compilePathPattern } from "../apidef/paths";
import { compileVersions, list, pathPattern, perVersionFragment } from "../apidef/schema";
import { defineFeature } from "../chain/feature";
import { readBounded, streamOf } from "../lib/bounded-body";
import { goJsonSyntaxError } from "../lib/go-json-syntax";
import { type CompiledJsonSchema, compileJsonSchema, jsonSchemaErrors } from "../lib/json-schema";
import { messages, TykError } from "../lib/tyk-error";

/*
 * Tyk's ValidateJSON: on the first `extended_paths.validate_json` entry that
 * matches the method and path, the body is read and checked against the
 * entry's JSON schema. A body that is not JSON gets 400 "JSON parsing error:
 * <Go's reason>"; one that breaks the schema gets `error_response_code`
 * (default 422) with gojsonschema's "<field>: <description>" lines joined by
 * "; ". Schemas compile once per snapshot. The body is read once, up to
 * `maxValidatedBodyBytes`, and the same bytes go on to the upstream.
 */

/** Tyk reads any body into memory; a Worker's memory is small, so a validated body has a ceiling. */
export const maxValidatedBodyBytes = 1024 * 1024;

const validateJsonEntry = z
  .looseObject({
    path: pathPattern,
    method: z.string().default(""),
    disabled: z.boolean().default(false),
    schema: z.record(z.string(), z.unknown()).nullable().default(null),
    error_response_code: z
      .number()
      .int()
      .refine((code) => code === 0 || (code >= 200 && code <= 599), "must be 0 (for 422) or an HTTP status from 200 to 599")
      .default(0),
  })
  .superRefine((entry, ctx) => {
    // Tyk skips disabled entries without looking at their schema.
    if (entry.disabled) return;
    if (entry.schema === null) {
      ctx.addIssue({ code: "custom", path: ["schema"], message: "an enabled entry needs a schema" });
      return;
    }
    try {
      compileJsonSchema(entry.schema);
    } catch (error) {
      ctx.addIssue({ code: "custom", path: ["schema"], message: error instanceof Error ? error.message : String(error) });
    }
  });

interface CompiledValidation {
  pattern: RegExp;
  method: string;
  schema: CompiledJsonSchema;
  errorStatus: number;
}

// The BOM is kept: Go's decoder refuses it, and so must the check.
const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

function parseJson(bytes: Uint8Array): unknown {
  const text = utf8.decode(bytes);
  try {
    return JSON.parse(text);
  } catch {
    throw new TykError(400, messages.jsonParseError(goJsonSyntaxError(text) ?? "invalid JSON"));
  }
}

export const validateJson = defineFeature({
  name: "ValidateJSON",
  fields: perVersionFragment({ validate_json: list(validateJsonEntry) }),
  honours: ["path", "method", "disabled", "schema", "error_response_code"].map((field) => `version_data.versions.*.extended_paths.validate_json.*.${field}`),
  compile: (definition) => {
    const byVersion = compileVersions(definition, (version) => {
      if (!version.use_extended_paths) return undefined;
      const validations = version.extended_paths.validate_json.flatMap<CompiledValidation>((entry) =>
        entry.disabled || entry.schema === null
          ? []
          : [
              {
                pattern: compilePathPattern(entry.path),
                method: entry.method,
                schema: compileJsonSchema(entry.schema),
                errorStatus: entry.error_response_code || 422,
              },
            ],
      );
      return validations.length > 0 ? validations : undefined;
    });
    return byVersion.size > 0 ? byVersion : undefined;
  },
  step: (byVersion) => async (ctx, next) => {
    const validations = byVersion.get(ctx.version.name) ?? [];
    // Tyk matches the method exactly: an entry without one applies to no request.
    const validation = validations.find((entry) => entry.method === ctx.method && entry.pattern.test(ctx.apiPath));
    if (!validation) return next();

    const tooLarge = () => new TykError(400, messages.requestTooLarge);
    const declared = Number(ctx.request.headers.get("content-length") ?? 0);
    if (declared > maxValidatedBodyBytes) throw tooLarge();
    const bytes = await readBounded(ctx.upstreamBody, maxValidatedBodyBytes, tooLarge);
    // A request without a body keeps none, so its framing upstream does not change.
    if (ctx.upstreamBody) ctx.upstreamBody = streamOf(bytes);

    const problems = jsonSchemaErrors(validation.schema, parseJson(bytes));
    if (problems.length > 0) throw new TykError(validation.errorStatus, problems.join("; "), {}, "BIV");
    return next();
  },
});
