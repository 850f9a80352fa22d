import { describe, expect, it } from "vitest";
import { decodeParameter, mediaTypeEntry } from "../../src/lib/openapi-params";
import { compileOpenApiSchema, openApiSchemaError } from "../../src/lib/openapi-schema";
import { compilePathTemplate, compileOperationPath, matchOperationPath, matchPathTemplate } from "../../src/lib/path-template";

describe("decodeParameter (kin-openapi's parameter decoding)", () => {
  const integers = { type: "array", items: { type: "integer" } };

  it("turns text into the schema's type, with kin's words when it cannot", () => {
    expect(decodeParameter({ in: "query", schema: { type: "integer" } }, ["42"])).toEqual({ ok: true, value: 42 });
    expect(decodeParameter({ in: "query", schema: { type: "number" } }, ["-1.5e2"])).toEqual({ ok: true, value: -150 });
    expect(decodeParameter({ in: "query", schema: { type: "boolean" } }, ["T"])).toEqual({ ok: true, value: true });
    expect(decodeParameter({ in: "query", schema: { type: "integer" } }, ["0x10"])).toEqual({
      ok: false,
      reason: "value 0x10: an invalid integer: invalid syntax",
    });
    expect(decodeParameter({ in: "query", schema: { type: "string" } }, [""])).toEqual({ ok: true, value: null });
  });

  it("reads arrays by style and explode: form exploded in the query, comma lists elsewhere", () => {
    expect(decodeParameter({ in: "query", schema: integers }, ["1", "2"])).toEqual({ ok: true, value: [1, 2] });
    expect(decodeParameter({ in: "query", explode: false, schema: integers }, ["1,2"])).toEqual({ ok: true, value: [1, 2] });
    expect(decodeParameter({ in: "query", style: "pipeDelimited", explode: false, schema: integers }, ["1|2"])).toEqual({ ok: true, value: [1, 2] });
    expect(decodeParameter({ in: "path", schema: integers }, ["3,4"])).toEqual({ ok: true, value: [3, 4] });
    expect(decodeParameter({ in: "header", schema: integers }, ["5, 6"])).toEqual({ ok: true, value: [5, 6] });
    expect(decodeParameter({ in: "path", schema: integers }, ["3,x"])).toEqual({ ok: false, reason: "path 1: value x: an invalid integer: invalid syntax" });
  });
});

describe("mediaTypeEntry (OpenAPI content lookup)", () => {
  const content = { "application/json": 1, "text/*": 2, "*/*": 3 };

  it("tries the exact type, then without parameters, then type/*, then */*", () => {
    expect(mediaTypeEntry(content, "application/json")).toBe(1);
    expect(mediaTypeEntry(content, "application/json; charset=utf-8")).toBe(1);
    expect(mediaTypeEntry(content, "text/csv")).toBe(2);
    expect(mediaTypeEntry(content, "image/png")).toBe(3);
    expect(mediaTypeEntry({ "application/json": 1 }, "")).toBeUndefined();
  });
});

describe("openApiSchemaError (OpenAPI 3.0 dialect, kin-openapi's words)", () => {
  it("admits null only where nullable says so", () => {
    const schema = compileOpenApiSchema({ type: "object", properties: { a: { type: "string", nullable: true }, b: { type: "string" } } });
    expect(openApiSchemaError(schema, { a: null })).toBeNull();
    expect(openApiSchemaError(schema, { b: null })).toBe('Error at "/b": Value is not nullable');
  });

  it("reads OpenAPI 3.0's boolean exclusiveMinimum", () => {
    const schema = compileOpenApiSchema({ type: "number", minimum: 0, exclusiveMinimum: true });
    expect(openApiSchemaError(schema, 0)).toBe("number must be more than 0");
    expect(openApiSchemaError(schema, 0.1)).toBeNull();
  });

  it("names the innermost problem with its JSON pointer", () => {
    const schema = compileOpenApiSchema({ type: "object", properties: { list: { type: "array", items: { type: "integer" } } } });
    expect(openApiSchemaError(schema, { list: [1, "x"] })).toBe('Error at "/list/1": value must be an integer');
  });
});

describe("path templates", () => {
  it("match literal text and one segment per parameter, percent-decoded", () => {
    const template = compilePathTemplate("/files/{name}.json");
    expect(matchPathTemplate(template, "/files/a%20b.json")).toEqual({ name: "a b" });
    expect(matchPathTemplate(template, "/files/aXjson")).toBeUndefined();
    expect(matchPathTemplate(template, "/files/a/b.json")).toBeUndefined();
    expect(matchPathTemplate(compilePathTemplate("/pets/{id}"), "/pets/7/")).toEqual({ id: "7" });
  });

  it("leave a more concrete path to its own operation", () => {
    const operation = compileOperationPath("/pets/{id}", ["/pets/mine"]);
    expect(matchOperationPath(operation, "/pets/mine")).toBeUndefined();
    expect(matchOperationPath(operation, "/pets/7")).toEqual({ id: "7" });
  });
});
