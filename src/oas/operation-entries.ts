import * as z from "zod";
import { compilePathTemplate, type PathTemplate } from "../lib/path-template";
import { documentedResponses } from "./operation-examples";
import { isNode, type Node, type OpenApiFrame, pointerTarget, RefError, type Resolve, resolver } from "./resolve-refs";
import type { OasOperationMiddleware } from "./schema-middleware";

/*
 * The classic-side form of an operation's `validateRequest` and
 * `mockResponse`: entries of a version's `extended_paths.validate_request` and
 * `extended_paths.mock_response`, carrying everything the runtime needs so
 * the features never read the OpenAPI document. Tyk keeps the document and
 * looks operations up per request; here the operation's parameters, request
 * body and examples are copied into the entry at conversion time, with their
 * `$ref`s resolved against the document (bounded; cycles are refused).
 */

const schemaObject = z.record(z.string(), z.unknown());

/** Where a parameter sits. Cookie parameters are not validated (kept out at conversion). */
export const parameterLocations = ["path", "query", "header"] as const;

export const operationParameterSchema = z.looseObject({
  name: z.string(),
  in: z.enum(parameterLocations),
  required: z.boolean().default(false),
  style: z.string().optional(),
  explode: z.boolean().optional(),
  schema: schemaObject.optional(),
  allowEmptyValue: z.boolean().default(false),
});

export const requestBodySchema = z.looseObject({
  required: z.boolean().default(false),
  /** Media type (as written in the document, `application/json`, `application/*`) → the body's schema. */
  content: z
    .record(
      z.string(),
      z.looseObject({
        schema: schemaObject.optional(),
        /** The `$ref` the schema came from (kin-openapi names it in its messages), else its title, else empty. */
        schema_id: z.string().default(""),
      }),
    )
    .default({}),
});

/** `extended_paths.validate_request[]`: Tyk's ValidateRequestMeta plus the operation's schemas. */
export const validateRequestEntrySchema = z.looseObject({
  path: z.string(),
  method: z.string().default(""),
  enabled: z.boolean().default(false),
  disabled: z.boolean().default(false),
  /** 0 means Tyk's default, 422. */
  error_response_code: z.number().int().min(0).max(599).default(0),
  /** Other paths of the document this template also matches but OpenAPI gives precedence (`/pets/mine` over `/pets/{id}`). */
  more_specific_paths: z.array(z.string()).nullable().default([]),
  parameters: z.array(operationParameterSchema).nullable().default([]),
  request_body: requestBodySchema.nullable().default(null),
});

/** One media type of a documented response: the examples Tyk picks from, in its order of preference. */
export const mockMediaSchema = z.looseObject({
  /** The media type's own `example`. */
  example: z.unknown().optional(),
  /** Its named `examples` (values, `$ref`s resolved); without a requested name the first by sorted name is used. */
  examples: z.record(z.string(), z.unknown()).default({}),
  /** Built from the schema (Tyk's ExampleExtractor), present only when there is no example at all. */
  generated: z.unknown().optional(),
});

export const mockDocumentedResponseSchema = z.looseObject({
  /** Header name → value (built from each header's schema, as Tyk does). */
  headers: z.array(z.looseObject({ name: z.string(), value: z.string() })).default([]),
  content: z.record(z.string(), mockMediaSchema).default({}),
});

export const fromOasExamplesSchema = z.looseObject({
  enabled: z.boolean().default(false),
  /** Defaults when the request does not choose (X-Tyk-Accept-Example-Code / Accept / X-Tyk-Accept-Example-Name). */
  code: z.number().int().default(200),
  content_type: z.string().default("application/json"),
  example_name: z.string().default(""),
  /** The operation's `responses` by status key ("200", "404", "default"). */
  responses: z.record(z.string(), mockDocumentedResponseSchema).default({}),
});

/** `extended_paths.mock_response[]`: Tyk's MockResponseMeta, plus the operation's examples when they are the source. */
export const mockResponseEntrySchema = z.looseObject({
  path: z.string(),
  method: z.string().default(""),
  disabled: z.boolean().default(false),
  ignore_case: z.boolean().default(false),
  /** 0 means 200. */
  code: z.number().int().min(0).max(599).default(0),
  body: z.string().default(""),
  headers: z.record(z.string(), z.string()).nullable().default({}),
  more_specific_paths: z.array(z.string()).nullable().default([]),
  from_oas_examples: fromOasExamplesSchema.nullable().default(null),
});

export type OperationParameter = z.infer<typeof operationParameterSchema>;
export type ValidateRequestEntry = z.infer<typeof validateRequestEntrySchema>;
export type MockMedia = z.infer<typeof mockMediaSchema>;
export type MockDocumentedResponse = z.infer<typeof mockDocumentedResponseSchema>;
export type FromOasExamples = z.infer<typeof fromOasExamplesSchema>;
export type MockResponseEntry = z.infer<typeof mockResponseEntrySchema>;

/** Same shape as the document issues (src/oas/document.ts), so the converter can report them alongside. */
export interface OperationIssue {
  path: string;
  expected: string;
  got: string;
  message: string;
}

export interface OperationEntries {
  validate_request: ValidateRequestEntry[];
  mock_response: MockResponseEntry[];
  issues: OperationIssue[];
}

export type { OpenApiFrame } from "./resolve-refs";

const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

interface FoundOperation {
  path: string;
  method: string;
  at: string;
  pathItem: Node;
  operation: Node;
}

function findOperation(document: OpenApiFrame, operationId: string): FoundOperation | undefined {
  for (const [path, pathItem] of Object.entries(document.paths ?? {})) {
    if (!isNode(pathItem)) continue;
    for (const method of methods) {
      const operation = pathItem[method];
      if (isNode(operation) && operation.operationId === operationId) return { path, method, at: `$.paths.${path}.${method}`, pathItem, operation };
    }
  }
  return undefined;
}

const templateParameterCount = (path: string) => path.match(/\{[^/{}]+\}/g)?.length ?? 0;

/** The document's paths the operation's template matches that are more concrete: OpenAPI matches those first. */
function moreSpecificPaths(document: OpenApiFrame, path: string): string[] {
  let template: PathTemplate;
  try {
    template = compilePathTemplate(path);
  } catch {
    return [];
  }
  return Object.keys(document.paths ?? {}).filter(
    (other) => other !== path && templateParameterCount(other) < template.parameters && template.pattern.test(other),
  );
}

/** Path-level parameters apply unless the operation redefines the same name and location. */
function operationParameters(found: FoundOperation, resolve: Resolve): OperationParameter[] {
  const own = (resolve(found.operation.parameters ?? [], `${found.at}.parameters`, []) as unknown[]).filter(isNode);
  const shared = (resolve(found.pathItem.parameters ?? [], `$.paths.${found.path}.parameters`, []) as unknown[]).filter(isNode);
  const key = (parameter: Node) => `${String(parameter.in)}:${String(parameter.name)}`;
  const ownKeys = new Set(own.map(key));
  return [...shared.filter((parameter) => !ownKeys.has(key(parameter))), ...own].flatMap((parameter) => {
    const parsed = operationParameterSchema.safeParse(parameter);
    return parsed.success ? [parsed.data] : [];
  });
}

/** The schema's own `$ref` for each media type, read before resolution replaces it. */
function schemaIds(document: OpenApiFrame, requestBody: unknown, at: string): Record<string, string> {
  const body = isNode(requestBody) && typeof requestBody.$ref === "string" ? pointerTarget(document, requestBody.$ref, at) : requestBody;
  const content = isNode(body) && isNode(body.content) ? body.content : {};
  return Object.fromEntries(
    Object.entries(content).map(([type, media]) => [
      type,
      isNode(media) && isNode(media.schema) && typeof media.schema.$ref === "string" ? media.schema.$ref : "",
    ]),
  );
}

function requestBody(document: OpenApiFrame, found: FoundOperation, resolve: Resolve): ValidateRequestEntry["request_body"] {
  const raw = found.operation.requestBody;
  if (raw === undefined) return null;
  const at = `${found.at}.requestBody`;
  const parsed = requestBodySchema.safeParse(resolve(raw, at, []));
  if (!parsed.success) return null;
  const ids = schemaIds(document, raw, at);
  for (const [type, media] of Object.entries(parsed.data.content))
    media.schema_id = ids[type] || (typeof media.schema?.title === "string" ? media.schema.title.trim() : "");
  return parsed.data;
}

function validateEntry(document: OpenApiFrame, found: FoundOperation, resolve: Resolve, errorResponseCode: number | undefined): ValidateRequestEntry {
  return {
    path: found.path,
    method: found.method.toUpperCase(),
    enabled: true,
    disabled: false,
    error_response_code: errorResponseCode ?? 0,
    more_specific_paths: moreSpecificPaths(document, found.path),
    parameters: operationParameters(found, resolve),
    request_body: requestBody(document, found, resolve),
  };
}

function mockEntry(
  document: OpenApiFrame,
  found: FoundOperation,
  resolve: Resolve,
  mock: NonNullable<OasOperationMiddleware["mockResponse"]>,
): MockResponseEntry {
  const fromExamples = mock.fromOASExamples?.enabled
    ? {
        enabled: true,
        code: mock.fromOASExamples.code || 200,
        content_type: mock.fromOASExamples.contentType || "application/json",
        example_name: mock.fromOASExamples.exampleName ?? "",
        responses: documentedResponses(resolve(found.operation.responses ?? {}, `${found.at}.responses`, [])),
      }
    : null;
  return {
    path: found.path,
    method: found.method.toUpperCase(),
    disabled: false,
    ignore_case: false,
    code: mock.code ?? 0,
    body: mock.body ?? "",
    // Tyk sets each header in turn: a repeated name keeps its last value.
    headers: Object.fromEntries((mock.headers ?? []).map((header) => [header.name, header.value])),
    more_specific_paths: moreSpecificPaths(document, found.path),
    from_oas_examples: fromExamples,
  };
}

// Bodies validateRequest decodes (src/features/validate-request.ts); a wildcard may also match one of them.
const checkedBody = /^(?:application\/(?:[\w.+-]+\+)?json|text\/plain|application\/x-www-form-urlencoded)$|\*/i;

/** The media types of an entry's request body that carry a schema the gateway does not check (multipart, XML, ...). */
export function uncheckedMediaTypes(entry: ValidateRequestEntry): string[] {
  return Object.entries(entry.request_body?.content ?? {})
    .filter(([type, media]) => media.schema !== undefined && !checkedBody.test((type.split(";")[0] ?? "").trim()))
    .map(([type]) => type);
}

/**
 * The `validate_request` and `mock_response` entries of one operation, for
 * the converter to add to the version's `extended_paths`. An operation the
 * document does not define, or whose `$ref`s cannot be resolved, gives issues
 * instead of entries.
 */
export function operationEntries(
  document: OpenApiFrame,
  operationId: string,
  middleware: Pick<OasOperationMiddleware, "validateRequest" | "mockResponse">,
): OperationEntries {
  const entries: OperationEntries = { validate_request: [], mock_response: [], issues: [] };
  const wanted = middleware.validateRequest?.enabled || middleware.mockResponse?.enabled;
  if (!wanted) return entries;
  const found = findOperation(document, operationId);
  if (!found) {
    entries.issues.push({
      path: `$.x-tyk-api-gateway.middleware.operations.${operationId}`,
      expected: "an operationId defined under paths",
      got: operationId,
      message: `operation "${operationId}" is not in the document's paths`,
    });
    return entries;
  }
  const resolve = resolver(document);
  try {
    if (middleware.validateRequest?.enabled)
      entries.validate_request.push(validateEntry(document, found, resolve, middleware.validateRequest.errorResponseCode));
    if (middleware.mockResponse?.enabled) entries.mock_response.push(mockEntry(document, found, resolve, middleware.mockResponse));
  } catch (error) {
    if (!(error instanceof RefError)) throw error;
    entries.issues.push({ path: error.at, expected: error.expected, got: error.got, message: error.message });
    entries.validate_request = [];
    entries.mock_response = [];
  }
  return entries;
}
