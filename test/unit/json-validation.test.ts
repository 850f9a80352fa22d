import { describe, expect, it } from "vitest";
import { ByteCap, readBounded, streamOf } from "../../src/lib/bounded-body";
import { goJsonSyntaxError, goQuoteChar } from "../../src/lib/go-json-syntax";
import { compileJsonSchema, jsonSchemaErrors } from "../../src/lib/json-schema";
import { goNumber } from "../../src/lib/json-schema-messages";

describe("goJsonSyntaxError: Go's Decoder wording", () => {
  it.each([
    ["", "EOF"],
    ["  \n", "EOF"],
    ["{", "unexpected EOF"],
    ['{"a":', "unexpected EOF"],
    ["[1,", "unexpected EOF"],
    ["-", "unexpected EOF"],
    ["not_json", "invalid character 'o' in literal null (expecting 'u')"],
    ["tru", "unexpected EOF"],
    ["trUe", "invalid character 'U' in literal true (expecting 'u')"],
    ["fals3", "invalid character '3' in literal false (expecting 'e')"],
    ["{not_valid}", "invalid character 'n' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b":2}', "invalid character '\"' after object key:value pair"],
    ["[1 2]", "invalid character '2' after array element"],
    ["[,]", "invalid character ',' looking for beginning of value"],
    ["{} x", "invalid character 'x' after top-level value"],
    ["01", "invalid character '1' after top-level value"],
    ["-x", "invalid character 'x' in numeric literal"],
    ["1.x", "invalid character 'x' after decimal point in numeric literal"],
    ["1ex", "invalid character 'x' in exponent of numeric literal"],
    ['"a\\q"', "invalid character 'q' in string escape code"],
    ['"\\u12G4"', "invalid character 'G' in \\u hexadecimal character escape"],
    ['"a\nb"', "invalid character '\\n' in string literal"],
    ["'a'", "invalid character '\\'' looking for beginning of value"],
    ["\ufeff{}", "invalid character 'ï' looking for beginning of value"],
  ])("%j → %s", (text, message) => {
    expect(goJsonSyntaxError(text)).toBe(message);
  });

  it("finds nothing wrong with valid JSON", () => {
    for (const text of ['{"a":[1,-2.5e+3,true,false,null,"\\u00e9\\n"]}', " 0 ", '"x"', "[]", "{}"]) expect(goJsonSyntaxError(text)).toBeNull();
  });

  it("quotes characters as Go's quoteChar does", () => {
    expect(goQuoteChar("\x01")).toBe("'\\x01'");
    expect(goQuoteChar("\t")).toBe("'\\t'");
    expect(goQuoteChar('"')).toBe("'\"'");
    expect(goQuoteChar("€")).toBe("'â'");
  });
});

describe("goNumber: Go's big.Float formatting (%.10g)", () => {
  it.each([
    [0, "0"],
    [18, "18"],
    [1.5, "1.5"],
    [-0.25, "-0.25"],
    [1234567890, "1234567890"],
    [12345678901, "1.23456789e+10"],
    [0.00001, "1e-05"],
  ])("%d → %s", (value, text) => {
    expect(goNumber(value)).toBe(text);
  });
});

const errorsOf = (schema: Record<string, unknown>, instance: unknown) => jsonSchemaErrors(compileJsonSchema(schema), instance);

describe("jsonSchemaErrors: gojsonschema's wording", () => {
  it("is empty for a matching instance", () => {
    expect(errorsOf({ type: "object", required: ["a"] }, { a: 1 })).toEqual([]);
  });

  it("names nested fields with dots and array items by index", () => {
    const schema = { type: "object", properties: { items: { type: "array", items: { type: "object", properties: { n: { type: "number" } } } } } };
    expect(errorsOf(schema, { items: [{ n: 1 }, { n: "x" }] })).toEqual(["items.1.n: Invalid type. Expected: number, given: string"]);
  });

  it("stops at a type mismatch, as gojsonschema does", () => {
    expect(errorsOf({ type: "string", enum: ["a"], minLength: 3 }, 5)).toEqual(["(root): Invalid type. Expected: string, given: integer"]);
    expect(errorsOf({ type: ["string", "null"] }, 1.5)).toEqual(["(root): Invalid type. Expected: [string,null], given: number"]);
  });

  it("words string, number, array and object constraints", () => {
    expect(errorsOf({ minLength: 3 }, "ab")).toEqual(["(root): String length must be greater than or equal to 3"]);
    expect(errorsOf({ maxLength: 1 }, "ab")).toEqual(["(root): String length must be less than or equal to 1"]);
    expect(errorsOf({ pattern: "^a+$" }, "b")).toEqual(["(root): Does not match pattern '^a+$'"]);
    expect(errorsOf({ format: "email" }, "nope")).toEqual(["(root): Does not match format 'email'"]);
    expect(errorsOf({ maximum: 2 }, 3)).toEqual(["(root): Must be less than or equal to 2"]);
    expect(errorsOf({ exclusiveMinimum: 2 }, 2)).toEqual(["(root): Must be greater than 2"]);
    expect(errorsOf({ minimum: 2, exclusiveMinimum: true }, 2)).toEqual(["(root): Must be greater than 2"]);
    expect(errorsOf({ multipleOf: 2 }, 3)).toEqual(["(root): Must be a multiple of 2"]);
    expect(errorsOf({ minItems: 2 }, [1])).toEqual(["(root): Array must have at least 2 items"]);
    expect(errorsOf({ maxItems: 0 }, [1])).toEqual(["(root): Array must have at most 0 items"]);
    expect(errorsOf({ uniqueItems: true }, [1, 1])).toEqual(["(root): array items[0,1] must be unique"]);
    expect(errorsOf({ minProperties: 1 }, {})).toEqual(["(root): Must have at least 1 properties"]);
    expect(errorsOf({ const: { b: 1, a: "<" } }, {})).toEqual(['(root): (root) does not match: {"a":"\\u003c","b":1}']);
  });

  it("names additional properties and dependencies", () => {
    expect(errorsOf({ properties: { a: {} }, additionalProperties: false }, { a: 1, extra: 2 })).toEqual(["(root): Additional property extra is not allowed"]);
    expect(errorsOf({ dependencies: { a: ["b"] } }, { a: 1 })).toEqual(["(root): Has a dependency on b"]);
    expect(errorsOf({ items: [{}], additionalItems: false }, [1, 2, 3])).toEqual(["(root): No additional items allowed on array"]);
  });

  it("reports anyOf, oneOf and not by themselves, and follows $ref", () => {
    expect(errorsOf({ anyOf: [{ type: "string" }, { type: "number" }] }, true)).toEqual(["(root): Must validate at least one schema (anyOf)"]);
    expect(errorsOf({ oneOf: [{ type: "number" }, { minimum: 0 }] }, 1)).toEqual(["(root): Must validate one and only one schema (oneOf)"]);
    expect(errorsOf({ not: { type: "number" } }, 1)).toEqual(["(root): Must not validate the schema (not)"]);
    const referenced = { properties: { a: { $ref: "#/definitions/short" } }, definitions: { short: { maxLength: 2 } } };
    expect(errorsOf(referenced, { a: "long" })).toEqual(["a: String length must be less than or equal to 2"]);
  });

  it("refuses schemas that could only fail at request time", () => {
    expect(() => compileJsonSchema({ $ref: "#/definitions/missing" })).toThrow('$ref "#/definitions/missing" does not resolve inside the schema');
    expect(() => compileJsonSchema({ properties: { a: { pattern: "(" } } })).toThrow(/pattern "\("/);
    expect(() => compileJsonSchema({ patternProperties: { "[": {} } })).toThrow(/patternProperties "\["/);
  });
});

async function drain(stream: ReadableStream<Uint8Array>): Promise<number> {
  let total = 0;
  for await (const chunk of stream) total += chunk.byteLength;
  return total;
}

const chunksOf = (...sizes: number[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const size of sizes) controller.enqueue(new Uint8Array(size));
      controller.close();
    },
  });

describe("bounded bodies", () => {
  it("ByteCap passes a body up to its limit and errors the stream past it, keeping the error", async () => {
    const fits = new ByteCap(10, () => new Error("too large"));
    expect(await drain(fits.wrap(chunksOf(4, 6)))).toBe(10);
    expect(fits.overflowed).toBeUndefined();

    const over = new ByteCap(10, () => new Error("too large"));
    await expect(drain(over.wrap(chunksOf(4, 6, 1)))).rejects.toThrow("too large");
    expect(over.overflowed).toBeInstanceOf(Error);
  });

  it("readBounded reads up to the limit and refuses past it", async () => {
    expect((await readBounded(chunksOf(3, 3), 6, () => new Error("too large"))).byteLength).toBe(6);
    expect((await readBounded(null, 6, () => new Error("too large"))).byteLength).toBe(0);
    await expect(readBounded(chunksOf(3, 4), 6, () => new Error("too large"))).rejects.toThrow("too large");
  });

  it("streamOf gives back the same bytes", async () => {
    const bytes = new TextEncoder().encode("same bytes");
    expect(await new Response(streamOf(bytes)).text()).toBe("same bytes");
  });
});
