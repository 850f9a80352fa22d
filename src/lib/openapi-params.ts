/*
 * OpenAPI parameter values as kin-openapi (Tyk's validateRequest) reads them:
 * a path, query or header string turned into the value its schema describes
 * (integer, number, boolean, arrays by `style`/`explode`), with kin's words
 * when it cannot be. Also the media-type lookup OpenAPI's `content` maps use.
 */

export type ParameterLocation = "path" | "query" | "header";

export interface ParameterShape {
  in: ParameterLocation;
  style?: string | undefined;
  explode?: boolean | undefined;
  schema?: Record<string, unknown> | undefined;
}

/** The decoded value (null for an empty one), or why the text is not what the schema says. */
export type DecodedParameter = { ok: true; value: unknown } | { ok: false; reason: string };

const isNode = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The schema's type, leaving out "null" (OpenAPI 3.1 writes nullable types as a list). */
export function schemaType(schema: unknown): string | undefined {
  if (!isNode(schema)) return undefined;
  const type = schema.type;
  if (Array.isArray(type)) return type.find((entry): entry is string => typeof entry === "string" && entry !== "null");
  return typeof type === "string" ? type : undefined;
}

// Go's strconv.ParseFloat in decimal form (hex floats and Inf/NaN are left out).
const decimalNumber = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const goTrue = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const goFalse = new Set(["0", "f", "F", "FALSE", "false", "False"]);

function primitive(raw: string, type: string | undefined): DecodedParameter {
  if (raw === "") return { ok: true, value: null };
  if (type === "integer" || type === "number") {
    return decimalNumber.test(raw) ? { ok: true, value: Number(raw) } : { ok: false, reason: `value ${raw}: an invalid ${type}: invalid syntax` };
  }
  if (type === "boolean") {
    if (goTrue.has(raw)) return { ok: true, value: true };
    if (goFalse.has(raw)) return { ok: true, value: false };
    return { ok: false, reason: `value ${raw}: an invalid boolean: invalid syntax` };
  }
  return { ok: true, value: raw };
}

/** Query parameters default to style form, exploded; path and header ones to style simple. */
function arrayItems(parameter: ParameterShape, values: readonly string[]): string[] {
  const style = parameter.style ?? (parameter.in === "query" ? "form" : "simple");
  const explode = parameter.explode ?? style === "form";
  if (parameter.in === "query" && explode) return [...values];
  const first = values[0] ?? "";
  if (first === "") return [];
  const separator = style === "spaceDelimited" ? " " : style === "pipeDelimited" ? "|" : ",";
  // A repeated header arrives joined with ", " (Tyk joins with ","): the space is not part of the item.
  return parameter.in === "header" ? first.split(separator).map((item) => item.trim()) : first.split(separator);
}

/**
 * Decodes the parameter's text (every occurrence for a query parameter, in
 * order). Object parameters are left as text: their serialisations are not read.
 */
export function decodeParameter(parameter: ParameterShape, values: readonly string[]): DecodedParameter {
  const type = schemaType(parameter.schema);
  if (type !== "array") return primitive(values[0] ?? "", type);
  const itemType = schemaType(parameter.schema?.items);
  const items = arrayItems(parameter, values);
  if (items.length === 0) return { ok: true, value: null };
  const decoded: unknown[] = [];
  for (const [index, item] of items.entries()) {
    const value = primitive(item, itemType);
    if (!value.ok) return { ok: false, reason: `path ${index}: ${value.reason}` };
    decoded.push(value.value);
  }
  return { ok: true, value: decoded };
}

/**
 * The entry of an OpenAPI `content` map for a media type, as kin-openapi
 * looks it up: exact, then without parameters, then `type/*`, then `*\/*`.
 */
export function mediaTypeEntry<T>(content: Readonly<Record<string, T>>, mediaType: string): T | undefined {
  if (mediaType === "") return content["*/*"];
  if (Object.hasOwn(content, mediaType)) return content[mediaType];
  const bare = (mediaType.split(";")[0] ?? "").trim();
  if (Object.hasOwn(content, bare)) return content[bare];
  const slash = bare.indexOf("/");
  if (slash >= 0 && Object.hasOwn(content, `${bare.slice(0, slash)}/*`)) return content[`${bare.slice(0, slash)}/*`];
  return content["*/*"];
}
