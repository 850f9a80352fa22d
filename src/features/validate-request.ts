import type * as z from "zod";
import { compileVersions, list, perVersionFragment } from "../apidef/schema";
import type { RequestContext } from "../chain/context";
import { defineFeature } from "../chain/feature";
import { readBounded, streamOf } from "../lib/bounded-body";
import { goJsonSyntaxError } from "../lib/go-json-syntax";
import type { CompiledJsonSchema } from "../lib/json-schema";
import { decodeFormBody } from "../lib/openapi-form";
import { decodeParameter, mediaTypeEntry, type ParameterLocation } from "../lib/openapi-params";
import { compileOpenApiSchema, openApiSchemaError } from "../lib/openapi-schema";
import { compileOperationPath, matchOperationPath, type OperationPath } from "../lib/path-template";
import { messages, TykError } from "../lib/tyk-error";
import { type OperationParameter, validateRequestEntrySchema } from "../oas/operation-entries";
import { maxValidatedBodyBytes } from "./validate-json";

/*
 * Tyk OAS's validateRequest (Tyk's ValidateRequest middleware, kin-openapi's
 * request validation): on the entry of `extended_paths.validate_request`
 * whose method and OpenAPI path template match, the operation's path, query
 * and header parameters and then its JSON or form request body are checked against
 * their schemas (OpenAPI 3.0's dialect). The first problem answers
 * `error_response_code` (default 422) with "request validation error: " and
 * kin-openapi's description. The entries carry the operation's schemas
 * (src/oas/operation-entries.ts), so classic definitions can use them too.
 */

const entrySchema = validateRequestEntrySchema.superRefine((entry, ctx) => {
  if (!entry.enabled || entry.disabled) return;
  try {
    compileEntry(entry);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
  }
});

interface CompiledParameter {
  name: string;
  in: ParameterLocation;
  required: boolean;
  allowEmpty: boolean;
  shape: OperationParameter;
  schema: CompiledJsonSchema | undefined;
}

interface CompiledMedia {
  schema: CompiledJsonSchema | undefined;
  /** kin-openapi names the schema in its message: the `$ref` it came from, else its title. */
  id: string;
  /** The schema as written and the media type's `encoding`: a form body is decoded by them. */
  source: Record<string, unknown> | undefined;
  encoding: unknown;
}

interface CompiledValidation {
  path: OperationPath;
  method: string;
  errorStatus: number;
  parameters: CompiledParameter[];
  body: { required: boolean; content: Record<string, CompiledMedia> } | undefined;
}

function compileEntry(entry: z.output<typeof validateRequestEntrySchema>): CompiledValidation {
  const parameters = (entry.parameters ?? []).map((parameter) => ({
    name: parameter.name,
    in: parameter.in,
    // OpenAPI: a path parameter is always required.
    required: parameter.required || parameter.in === "path",
    allowEmpty: parameter.allowEmptyValue,
    shape: parameter,
    schema: parameter.schema ? compileOpenApiSchema(parameter.schema) : undefined,
  }));
  const content = Object.fromEntries(
    Object.entries(entry.request_body?.content ?? {}).map(([type, media]) => {
      const schema = media.schema ? compileOpenApiSchema(media.schema) : undefined;
      return [type, { schema, id: media.schema_id, source: media.schema, encoding: media.encoding }];
    }),
  );
  return {
    path: compileOperationPath(entry.path, entry.more_specific_paths ?? []),
    method: entry.method.toUpperCase(),
    errorStatus: entry.error_response_code || 422,
    parameters,
    body: entry.request_body ? { required: entry.request_body.required, content } : undefined,
  };
}

const failure = (status: number, reason: string) => new TykError(status, `request validation error: ${reason}`);

function rawValues(ctx: RequestContext, parameter: CompiledParameter, pathValues: Record<string, string>): string[] | undefined {
  if (parameter.in === "path") return parameter.name in pathValues ? [pathValues[parameter.name] ?? ""] : undefined;
  if (parameter.in === "query") {
    const query = ctx.url.searchParams;
    return query.has(parameter.name) ? query.getAll(parameter.name) : undefined;
  }
  const header = ctx.request.headers.get(parameter.name);
  return header === null ? undefined : [header];
}

function checkParameter(ctx: RequestContext, validation: CompiledValidation, parameter: CompiledParameter, pathValues: Record<string, string>): void {
  const fail = (reason: string) => failure(validation.errorStatus, `parameter "${parameter.name}" in ${parameter.in} has an error: ${reason}`);
  const values = rawValues(ctx, parameter, pathValues);
  if (values === undefined) {
    if (parameter.required) throw fail("value is required but missing");
    return;
  }
  const decoded = decodeParameter(parameter.shape, values);
  if (!decoded.ok) throw fail(decoded.reason);
  if (decoded.value === null) {
    if (!parameter.allowEmpty) throw fail("empty value is not allowed");
    return;
  }
  const problem = parameter.schema ? openApiSchemaError(parameter.schema, decoded.value) : null;
  if (problem) throw fail(problem);
}

const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
const isJson = (mediaType: string) => /^application\/(?:[\w.+-]+\+)?json$/i.test(mediaType);

async function checkBody(ctx: RequestContext, validation: CompiledValidation, body: NonNullable<CompiledValidation["body"]>): Promise<void> {
  const fail = (reason: string) => failure(validation.errorStatus, `request body has an error: ${reason}`);
  const tooLarge = () => new TykError(400, messages.requestTooLarge);
  if (Number(ctx.request.headers.get("content-length") ?? 0) > maxValidatedBodyBytes) throw tooLarge();
  const bytes = await readBounded(ctx.upstreamBody, maxValidatedBodyBytes, tooLarge);
  // A request without a body keeps none, so its framing upstream does not change.
  if (ctx.upstreamBody) ctx.upstreamBody = streamOf(bytes);
  if (bytes.length === 0) {
    if (body.required) throw fail("value is required but missing");
    return;
  }
  if (Object.keys(body.content).length === 0) return;
  const contentType = ctx.request.headers.get("content-type") ?? "";
  const media = mediaTypeEntry(body.content, contentType);
  if (!media) throw fail(`header Content-Type has unexpected value: ${JSON.stringify(contentType)}`);
  if (!media.schema) return;
  const bare = (contentType.split(";")[0] ?? "").trim();
  let value: unknown;
  const text = utf8.decode(bytes);
  if (isJson(bare)) {
    try {
      value = JSON.parse(text);
    } catch {
      throw fail(`failed to decode request body: ${goJsonSyntaxError(text) ?? "invalid JSON"}`);
    }
  } else if (bare.toLowerCase() === "text/plain") {
    value = text;
  } else if (bare.toLowerCase() === "application/x-www-form-urlencoded" && media.source) {
    const form = decodeFormBody(text, media.source, media.encoding);
    if (!form.ok) throw fail(`failed to decode request body: ${form.reason}`);
    value = form.value;
  } else {
    // Multipart, XML and other bodies are not decoded: JSON, forms and plain text are checked.
    return;
  }
  const problem = openApiSchemaError(media.schema, value);
  if (problem) throw fail(`doesn't match schema${media.id ? ` ${media.id}` : ""}: ${problem}`);
}

export const validateRequest = defineFeature({
  name: "ValidateRequest",
  fields: perVersionFragment({ validate_request: list(entrySchema) }),
  honours: ["path", "method", "enabled", "disabled", "error_response_code", "more_specific_paths", "parameters", "request_body"].map(
    (field) => `version_data.versions.*.extended_paths.validate_request.*.${field}`,
  ),
  compile: (definition) => {
    const byVersion = compileVersions(definition, (version) => {
      if (!version.use_extended_paths) return undefined;
      const validations = version.extended_paths.validate_request.filter((entry) => entry.enabled && !entry.disabled).map(compileEntry);
      // Concrete paths before templated ones: `/pets/mine` is not `/pets/{id}`.
      validations.sort((a, b) => a.path.template.parameters - b.path.template.parameters);
      return validations.length > 0 ? validations : undefined;
    });
    return byVersion.size > 0 ? byVersion : undefined;
  },
  step: (byVersion) => async (ctx, next) => {
    const validations = byVersion.get(ctx.version.name);
    if (!validations) return next();
    const validation = validations.find((entry) => entry.method === ctx.method && matchOperationPath(entry.path, ctx.apiPath) !== undefined);
    const pathValues = validation && matchOperationPath(validation.path, ctx.apiPath);
    if (!validation || !pathValues) return next();
    for (const parameter of validation.parameters) checkParameter(ctx, validation, parameter, pathValues);
    if (validation.body) await checkBody(ctx, validation, validation.body);
    return next();
  },
});
