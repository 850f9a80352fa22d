import { type DecodedParameter, decodeParameter, schemaType } from "./openapi-params";

/*
 * An `application/x-www-form-urlencoded` request body as kin-openapi (Tyk's
 * validateRequest) reads it before checking it against the media type's
 * schema: an object holding only the schema's properties, each decoded from
 * its form field the way a query parameter with that schema is (style form,
 * exploded, unless the media type's `encoding` says otherwise); a field that
 * is absent or empty is left out. The schema must be an object whose
 * properties are primitives or arrays of primitives, else the body cannot be
 * decoded at all. Fields are split as the WHATWG URL parser does (Go's
 * url.ParseQuery also refuses `;` separators and bad `%` escapes).
 */

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value);

const primitives = new Set(["string", "integer", "number", "boolean"]);

/** Why kin-openapi cannot decode a form against this schema, or null when it can. */
function unsupported(schema: Node): string | null {
  if (schemaType(schema) !== "object") return "unsupported schema of request body";
  for (const [name, property] of Object.entries(isNode(schema.properties) ? schema.properties : {})) {
    const type = schemaType(property);
    const items = type === "array" && isNode(property) ? schemaType(property.items) : undefined;
    if (type === "object" || (type === "array" && !primitives.has(items ?? ""))) return `unsupported schema of request body's property ${JSON.stringify(name)}`;
  }
  return null;
}

/** The form body as the object the schema is checked against, or why it does not decode. */
export function decodeFormBody(text: string, schema: Node, encoding: unknown): DecodedParameter {
  const problem = unsupported(schema);
  if (problem) return { ok: false, reason: problem };
  const fields = new URLSearchParams(text);
  const value: Node = {};
  for (const [name, property] of Object.entries(isNode(schema.properties) ? schema.properties : {})) {
    if (!fields.has(name)) continue;
    const method = isNode(encoding) && isNode(encoding[name]) ? encoding[name] : {};
    const shape = {
      in: "query" as const,
      style: typeof method.style === "string" ? method.style : undefined,
      explode: typeof method.explode === "boolean" ? method.explode : undefined,
      schema: isNode(property) ? property : undefined,
    };
    const decoded = decodeParameter(shape, fields.getAll(name));
    if (!decoded.ok) return decoded;
    if (decoded.value !== null) value[name] = decoded.value;
  }
  return { ok: true, value };
}
