import type { OutputUnit, Schema } from "@cfworker/json-schema";

/*
 * @cfworker/json-schema's findings in the words of gojsonschema, the
 * validator behind Tyk's validate_json: "<field>: <description>", the field
 * being the dotted path below "(root)". @cfworker reports a failing subschema
 * as a wrapper error followed by the errors inside it; gojsonschema reports
 * only the inner ones, and for anyOf / oneOf only the combinator's own line.
 */

interface SchemaLookup {
  readonly schema: Schema;
  readonly lookup: Record<string, Schema | boolean>;
}

/** Wrapper errors: the errors that follow say what went wrong. */
const wrappers = new Set([
  "properties",
  "patternProperties",
  "items",
  "prefixItems",
  "$ref",
  "$recursiveRef",
  "dependentSchemas",
  "unevaluatedProperties",
  "unevaluatedItems",
]);

function decodeSegment(segment: string): string {
  return decodeURI(segment).replace(/~1/g, "/").replace(/~0/g, "~");
}

function segmentsOf(pointer: string): string[] {
  return pointer === "#" ? [] : pointer.slice(2).split("/").map(decodeSegment);
}

/** gojsonschema's field: the instance path as "a.b.0", or "(root)" for the document itself. */
function fieldOf(instanceLocation: string): string {
  const segments = segmentsOf(instanceLocation);
  return segments.length === 0 ? "(root)" : segments.join(".");
}

function instanceAt(instance: unknown, instanceLocation: string): unknown {
  let node = instance;
  for (const segment of segmentsOf(instanceLocation)) node = (node as Record<string, unknown> | undefined)?.[segment];
  return node;
}

/** Follows a keyword location through the schema, `$ref`s included, to the keyword's value. */
function schemaAt(compiled: SchemaLookup, keywordLocation: string): unknown {
  let node: unknown = compiled.schema;
  for (const segment of segmentsOf(keywordLocation)) {
    const current = node as Schema | undefined;
    if (segment === "$ref") node = compiled.lookup[current?.__absolute_ref__ ?? current?.$ref ?? ""];
    else if (segment === "$recursiveRef") node = compiled.lookup[current?.__absolute_recursive_ref__ ?? ""];
    else node = (node as Record<string, unknown> | undefined)?.[segment];
  }
  return node;
}

function parentOf(keywordLocation: string): string {
  return keywordLocation.slice(0, keywordLocation.lastIndexOf("/"));
}

/** Go's big.Float String(): %.10g. */
export function goNumber(value: unknown): string {
  if (typeof value !== "number") return String(value);
  if (value === 0) return "0";
  const [mantissa = "", exponentText = "0"] = value.toExponential(9).split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 10) {
    const trimmed = mantissa.replace(/\.?0+$/, "");
    return `${trimmed}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return Number(value.toPrecision(10)).toString();
}

/** Go's json.Marshal: object keys sorted, <, > and & escaped. */
function goJson(value: unknown): string {
  const sorted = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(sorted);
    if (typeof node !== "object" || node === null) return node;
    const record = node as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, sorted(record[key])]),
    );
  };
  return JSON.stringify(sorted(value)).replace(/[<>&]/g, (char) => `\\u00${char.charCodeAt(0).toString(16)}`);
}

function goType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** The quoted name @cfworker puts in a message (`... property "name".`). */
function quotedName(error: string): string {
  const start = error.indexOf('"');
  const end = error.lastIndexOf('"');
  return start >= 0 && end > start ? error.slice(start + 1, end) : error;
}

/** The description gojsonschema gives for one @cfworker leaf error. */
function describe(unit: OutputUnit, field: string, compiled: SchemaLookup, instance: unknown): string {
  const value = schemaAt(compiled, unit.keywordLocation);
  const node = schemaAt(compiled, parentOf(unit.keywordLocation)) as Schema | undefined;
  switch (unit.keyword) {
    case "type": {
      const expected = Array.isArray(value) ? `[${value.join(",")}]` : String(value);
      return `Invalid type. Expected: ${expected}, given: ${goType(instanceAt(instance, unit.instanceLocation))}`;
    }
    case "const":
      return `${field} does not match: ${goJson(value)}`;
    case "enum":
      return `${field} must be one of the following: ${(Array.isArray(value) ? value : []).map(goJson).join(", ")}`;
    case "required":
      return `${quotedName(unit.error)} is required`;
    case "not":
      return "Must not validate the schema (not)";
    case "anyOf":
      return "Must validate at least one schema (anyOf)";
    case "oneOf":
      return "Must validate one and only one schema (oneOf)";
    case "allOf":
      return "Must validate all the schemas (allOf)";
    case "if":
      return unit.error.includes('"then"') ? 'Must validate "then" as "if" was valid' : 'Must validate "else" as "if" was not valid';
    case "false":
      return "False always fails validation";
    case "minProperties":
      return `Must have at least ${goNumber(value)} properties`;
    case "maxProperties":
      return `Must have at most ${goNumber(value)} properties`;
    case "propertyNames":
      return `Property name of "${quotedName(unit.error)}" does not match`;
    case "dependencies":
    case "dependentRequired":
      return `Has a dependency on ${quotedName(unit.error.slice(unit.error.indexOf("does not have")))}`;
    case "minItems":
      return `Array must have at least ${goNumber(value)} items`;
    case "maxItems":
      return `Array must have at most ${goNumber(value)} items`;
    case "uniqueItems": {
      const [first = "", second = ""] = unit.error.match(/\d+/g) ?? [];
      return `array items[${first},${second}] must be unique`;
    }
    case "contains":
    case "minContains":
      return "At least one of the items must match";
    case "minimum":
      return node?.exclusiveMinimum === true ? `Must be greater than ${goNumber(value)}` : `Must be greater than or equal to ${goNumber(value)}`;
    case "maximum":
      return node?.exclusiveMaximum === true ? `Must be less than ${goNumber(value)}` : `Must be less than or equal to ${goNumber(value)}`;
    case "exclusiveMinimum":
      return `Must be greater than ${goNumber(value)}`;
    case "exclusiveMaximum":
      return `Must be less than ${goNumber(value)}`;
    case "multipleOf":
      return `Must be a multiple of ${goNumber(value)}`;
    case "minLength":
      return `String length must be greater than or equal to ${goNumber(value)}`;
    case "maxLength":
      return `String length must be less than or equal to ${goNumber(value)}`;
    case "pattern":
      return `Does not match pattern '${String(value)}'`;
    case "format":
      return `Does not match format '${String(value)}'`;
    default:
      return unit.error;
  }
}

/** gojsonschema's "<field>: <description>" lines for @cfworker's errors (non-short-circuit output). */
export function goSchemaMessages(errors: readonly OutputUnit[], compiled: SchemaLookup, instance: unknown): string[] {
  const messages: string[] = [];
  // Keyword locations whose inner errors gojsonschema does not report.
  const silenced: string[] = [];
  const isSilenced = (unit: OutputUnit) => silenced.some((prefix) => unit.keywordLocation.startsWith(`${prefix}/`));
  const seen = new Set<string>();
  for (let index = 0; index < errors.length; index += 1) {
    const unit = errors[index]!;
    if (isSilenced(unit) || wrappers.has(unit.keyword)) continue;
    const field = fieldOf(unit.instanceLocation);
    if (unit.keyword === "additionalProperties" || unit.keyword === "additionalItems") {
      // A `false` schema: gojsonschema names the property (or says so once per array) instead of failing a false schema.
      if (schemaAt(compiled, unit.keywordLocation) !== false) continue;
      if (errors[index + 1]?.keyword === "false") index += 1;
      const message =
        unit.keyword === "additionalProperties"
          ? `${field}: Additional property ${quotedName(unit.error)} is not allowed`
          : `${field}: No additional items allowed on array`;
      if (!seen.has(message)) messages.push(message);
      seen.add(message);
      continue;
    }
    if (unit.keyword === "dependencies" && !unit.error.includes("does not have")) continue;
    // gojsonschema stops at a type mismatch; anyOf, oneOf, not and propertyNames report only themselves.
    if (unit.keyword === "type") silenced.push(parentOf(unit.keywordLocation));
    if (["anyOf", "oneOf", "not", "propertyNames"].includes(unit.keyword)) silenced.push(unit.keywordLocation);
    messages.push(`${field}: ${describe(unit, field, compiled, instance)}`);
  }
  return messages;
}
