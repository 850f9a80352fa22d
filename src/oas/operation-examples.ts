import type { MockDocumentedResponse, MockMedia } from "./operation-entries";
import { isNode, type Node } from "./resolve-refs";

/*
 * What fromOASExamples needs from an operation's documented responses,
 * resolved at conversion time: each media type's examples in Tyk's order of
 * preference, and the documented headers with example values.
 */

/** Tyk's ExampleExtractor: an example value built from a schema. */
export function exampleFromSchema(schema: unknown): unknown {
  if (!isNode(schema)) return null;
  if (schema.example !== undefined && schema.example !== null) return schema.example;
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (type === "object") {
    const properties = isNode(schema.properties) ? schema.properties : {};
    return Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, exampleFromSchema(property)]));
  }
  if (type === "array") return [exampleFromSchema(schema.items)];
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (type === "string") return "string";
  if (type === "integer" || type === "number") return 0;
  if (type === "boolean") return true;
  return null;
}

/** A header value as Go's `%v` prints the example: scalars as text, anything else as JSON. */
function headerValue(example: unknown): string {
  if (example === null || example === undefined) return "<nil>";
  return typeof example === "object" ? JSON.stringify(example) : String(example);
}

function mockMedia(media: Node): MockMedia {
  const example = media.example ?? undefined;
  const examples = Object.fromEntries(
    Object.entries(isNode(media.examples) ? media.examples : {}).flatMap(([name, entry]) =>
      isNode(entry) && entry.value != null ? [[name, entry.value]] : [],
    ),
  );
  const noExample = example === undefined && Object.keys(examples).length === 0;
  return { example, examples, ...(noExample ? { generated: exampleFromSchema(media.schema) } : {}) };
}

/** The operation's `responses` (already resolved) by status key. */
export function documentedResponses(responses: unknown): Record<string, MockDocumentedResponse> {
  if (!isNode(responses)) return {};
  return Object.fromEntries(
    Object.entries(responses).flatMap(([code, response]) => {
      if (!isNode(response)) return [];
      const headers = Object.entries(isNode(response.headers) ? response.headers : {})
        .map(([name, header]) => ({ name, value: headerValue(exampleFromSchema(isNode(header) ? header.schema : undefined)) }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const content = Object.fromEntries(
        Object.entries(isNode(response.content) ? response.content : {}).flatMap(([type, media]) => (isNode(media) ? [[type, mockMedia(media)]] : [])),
      );
      return [[code, { headers, content }]];
    }),
  );
}
