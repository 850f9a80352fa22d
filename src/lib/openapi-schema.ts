import { type OutputUnit, validate } from "@cfworker/json-schema";
import { type CompiledJsonSchema, compileJsonSchema } from "./json-schema";

/*
 * OpenAPI schemas validated with the project's JSON Schema validator and
 * reported in the words of kin-openapi (the validator behind Tyk's
 * validateRequest): the first problem only, as `Error at "/a/0": <reason>`,
 * or the bare reason for the value itself. OpenAPI 3.0's dialect is turned
 * into JSON Schema first: `nullable: true` admits null.
 */

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value);

const schemaListKeywords = new Set(["allOf", "anyOf", "oneOf"]);
const schemaKeywords = new Set(["items", "not", "additionalProperties"]);
const schemaMapKeywords = new Set(["properties", "patternProperties"]);

/** A JSON Schema copy of an OpenAPI 3.0 schema: `nullable: true` adds "null" to the type (and to an enum). */
export function jsonSchemaOf(schema: Node): Node {
  const copy: Node = {};
  for (const [key, value] of Object.entries(schema)) {
    if (schemaListKeywords.has(key) && Array.isArray(value)) copy[key] = value.map((item) => (isNode(item) ? jsonSchemaOf(item) : item));
    else if (schemaKeywords.has(key) && isNode(value)) copy[key] = jsonSchemaOf(value);
    else if (schemaMapKeywords.has(key) && isNode(value))
      copy[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, isNode(child) ? jsonSchemaOf(child) : child]));
    else copy[key] = value;
  }
  if (schema.nullable === true) {
    if (typeof schema.type === "string") copy.type = [schema.type, "null"];
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) copy.enum = [...schema.enum, null];
  }
  return copy;
}

/** Compiles an OpenAPI schema once; throws an Error naming what is wrong with it. */
export function compileOpenApiSchema(schema: Node): CompiledJsonSchema {
  return compileJsonSchema(jsonSchemaOf(schema));
}

const wrappers = new Set(["properties", "patternProperties", "items", "prefixItems", "$ref", "dependentSchemas", "false"]);

function segmentsOf(pointer: string): string[] {
  return pointer === "#"
    ? []
    : pointer
        .slice(2)
        .split("/")
        .map((segment) => decodeURI(segment).replaceAll("~1", "/").replaceAll("~0", "~"));
}

function keywordValue(compiled: CompiledJsonSchema, keywordLocation: string): unknown {
  let node: unknown = compiled.schema;
  for (const segment of segmentsOf(keywordLocation)) node = isNode(node) ? node[segment] : Array.isArray(node) ? node[Number(segment)] : undefined;
  return node;
}

/** Another keyword of the schema that holds the failing one. */
const sibling = (compiled: CompiledJsonSchema, error: OutputUnit, keyword: string) =>
  keywordValue(compiled, `${error.keywordLocation.slice(0, error.keywordLocation.lastIndexOf("/"))}/${keyword}`);

const article = (type: string) => (type === "integer" || type === "object" || type === "array" ? "an" : "a");

function typeReason(expected: unknown, instance: unknown): string {
  const types = (Array.isArray(expected) ? expected : [expected]).filter((type): type is string => typeof type === "string" && type !== "null");
  if (instance === null) return "Value is not nullable";
  const type = types[0] ?? "string";
  return `value must be ${article(type)} ${type}`;
}

const quotedName = (message: string) => /"([^"]*)"/.exec(message)?.[1] ?? "";

interface Finding {
  path: string[];
  reason: string;
}

function instanceAt(instance: unknown, path: readonly string[]): unknown {
  let node = instance;
  for (const segment of path) node = isNode(node) ? node[segment] : Array.isArray(node) ? node[Number(segment)] : undefined;
  return node;
}

function finding(compiled: CompiledJsonSchema, error: OutputUnit, instance: unknown): Finding {
  const path = segmentsOf(error.instanceLocation);
  const value = keywordValue(compiled, error.keywordLocation);
  switch (error.keyword) {
    case "required":
      return { path: [...path, quotedName(error.error)], reason: `property "${quotedName(error.error)}" is missing` };
    case "additionalProperties":
      return { path: [...path, quotedName(error.error)], reason: `property "${quotedName(error.error)}" is unsupported` };
    case "type":
      return { path, reason: typeReason(value, instanceAt(instance, path)) };
    // OpenAPI 3.0 (JSON Schema draft 4) marks an exclusive bound with a boolean beside it.
    case "minimum":
      return { path, reason: `number must be ${sibling(compiled, error, "exclusiveMinimum") === true ? "more than" : "at least"} ${String(value)}` };
    case "maximum":
      return { path, reason: `number must be ${sibling(compiled, error, "exclusiveMaximum") === true ? "less than" : "at most"} ${String(value)}` };
    case "exclusiveMinimum":
      return { path, reason: `number must be more than ${String(value)}` };
    case "exclusiveMaximum":
      return { path, reason: `number must be less than ${String(value)}` };
    case "multipleOf":
      return { path, reason: `number must be a multiple of ${String(value)}` };
    case "minLength":
      return { path, reason: `minimum string length is ${String(value)}` };
    case "maxLength":
      return { path, reason: `maximum string length is ${String(value)}` };
    case "pattern":
      return { path, reason: `string doesn't match the regular expression "${String(value)}"` };
    case "format":
      return { path, reason: `string doesn't match the format "${String(value)}"` };
    case "enum":
      return { path, reason: `value is not one of the allowed values ${JSON.stringify(value)}` };
    case "minItems":
      return { path, reason: `minimum number of items is ${String(value)}` };
    case "maxItems":
      return { path, reason: `maximum number of items is ${String(value)}` };
    case "uniqueItems":
      return { path, reason: "duplicate items found" };
    case "minProperties":
      return { path, reason: `there must be at least ${String(value)} properties` };
    case "maxProperties":
      return { path, reason: `there must be at most ${String(value)} properties` };
    case "anyOf":
      return { path, reason: `doesn't match any schema from "anyOf"` };
    case "oneOf":
      return { path, reason: `doesn't match exactly one schema from "oneOf"` };
    case "not":
      return { path, reason: `doesn't match schema due to "not"` };
    default:
      return { path, reason: "value doesn't match the schema" };
  }
}

/** kin-openapi's wording of the first problem, or null when `instance` matches. */
export function openApiSchemaError(compiled: CompiledJsonSchema, instance: unknown): string | null {
  const result = validate(instance, compiled.schema, compiled.draft, compiled.lookup, false);
  if (result.valid) return null;
  const errors = result.errors;
  // A failing subschema is reported as a wrapper error followed by the errors inside it; kin names the inner one.
  const first = errors.find((error) => !wrappers.has(error.keyword)) ?? errors[0];
  if (!first) return null;
  const { path, reason } = finding(compiled, first, instance);
  return path.length === 0 ? reason : `Error at "/${path.join("/")}": ${reason}`;
}
