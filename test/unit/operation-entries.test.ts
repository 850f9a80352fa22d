import { describe, expect, it } from "vitest";
import { exampleFromSchema } from "../../src/oas/operation-examples";
import { operationEntries } from "../../src/oas/operation-entries";
import pets from "../fixtures/oas/pets-validate.json";

const document = pets as unknown as { paths: Record<string, unknown>; components: Record<string, unknown> };
const validate = { validateRequest: { enabled: true } };
const mockFromExamples = { mockResponse: { enabled: true, fromOASExamples: { enabled: true } } };

describe("operationEntries: validate_request", () => {
  it("resolves a path-level parameter $ref and keeps the path template and method", () => {
    const { validate_request, issues } = operationEntries(document, "getPet", validate);
    expect(issues).toEqual([]);
    expect(validate_request).toEqual([
      expect.objectContaining({
        path: "/pets/{petId}",
        method: "GET",
        enabled: true,
        error_response_code: 0,
        parameters: [expect.objectContaining({ name: "petId", in: "path", required: true, schema: { type: "integer", minimum: 1 } })],
        request_body: null,
        // The concrete /pets/mine takes precedence over /pets/{petId}.
        more_specific_paths: ["/pets/mine"],
      }),
    ]);
  });

  it("resolves the request body and its schema $refs, naming the schema it came from", () => {
    const [entry] = operationEntries(document, "createPet", { validateRequest: { enabled: true, errorResponseCode: 400 } }).validate_request;
    expect(entry?.error_response_code).toBe(400);
    expect(entry?.request_body?.required).toBe(true);
    const media = entry?.request_body?.content["application/json"];
    expect(media?.schema_id).toBe("#/components/schemas/NewPet");
    expect(media?.schema).toMatchObject({ type: "object", required: ["name"], properties: { tag: { nullable: true } } });
    expect(JSON.stringify(entry)).not.toContain("$ref");
  });

  it("lets an operation parameter override the path-level one of the same name and location", () => {
    const overridden = structuredClone(document) as typeof document;
    const item = overridden.paths["/pets/{petId}"] as Record<string, Record<string, unknown>>;
    item.get!.parameters = [{ name: "petId", in: "path", required: true, schema: { type: "string" } }];
    const [entry] = operationEntries(overridden, "getPet", validate).validate_request;
    expect(entry?.parameters).toEqual([expect.objectContaining({ name: "petId", schema: { type: "string" } })]);
  });

  it("refuses a recursive schema with the JSON path where it was met", () => {
    const cyclic = structuredClone(document) as typeof document;
    const schemas = (cyclic.components as { schemas: Record<string, Record<string, unknown>> }).schemas;
    schemas.NewPet!.properties = { parent: { $ref: "#/components/schemas/NewPet" } };
    const entries = operationEntries(cyclic, "createPet", validate);
    expect(entries.validate_request).toEqual([]);
    expect(entries.issues).toEqual([expect.objectContaining({ got: "#/components/schemas/NewPet", message: expect.stringContaining("recursive") })]);
    expect(entries.issues[0]?.path).toMatch(/^\$\.paths\.\/pets\.post\.requestBody/);
  });

  it("refuses a $ref that does not resolve, and one outside the document", () => {
    const broken = structuredClone(document) as typeof document;
    (broken.components as { requestBodies: Record<string, unknown> }).requestBodies = {};
    expect(operationEntries(broken, "createPet", validate).issues).toEqual([
      expect.objectContaining({ got: "#/components/requestBodies/NewPet", message: '$ref "#/components/requestBodies/NewPet" does not resolve' }),
    ]);
    const remote = structuredClone(document) as typeof document;
    (remote.paths["/pets"] as Record<string, Record<string, unknown>>).post!.requestBody = { $ref: "https://example.com/body.json" };
    expect(operationEntries(remote, "createPet", validate).issues[0]?.message).toBe("only references inside the document are resolved");
  });

  it("bounds the expansion of shared $refs", () => {
    // Each level refers to the one below twice: 2^30 nodes once expanded.
    const schemas: Record<string, unknown> = { L0: { type: "string" } };
    for (let level = 1; level <= 30; level++)
      schemas[`L${level}`] = { allOf: [{ $ref: `#/components/schemas/L${level - 1}` }, { $ref: `#/components/schemas/L${level - 1}` }] };
    const bomb = {
      paths: { "/x": { post: { operationId: "x", requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/L30" } } } } } } },
      components: { schemas },
    };
    expect(operationEntries(bomb, "x", validate).issues[0]?.message).toBe("the operation's schemas expand too far");
  });

  it("names an operationId the document does not define", () => {
    expect(operationEntries(document, "nope", validate).issues).toEqual([
      expect.objectContaining({ path: "$.x-tyk-api-gateway.middleware.operations.nope", got: "nope" }),
    ]);
  });

  it("gives nothing for disabled middleware", () => {
    expect(operationEntries(document, "getPet", { validateRequest: { enabled: false }, mockResponse: { enabled: false } })).toEqual({
      validate_request: [],
      mock_response: [],
      issues: [],
    });
  });
});

describe("operationEntries: mock_response", () => {
  it("copies a configured mock, headers as a map", () => {
    const mock = { enabled: true, code: 203, body: "hi", headers: [{ name: "X-A", value: "1" }] };
    expect(operationEntries(document, "myPets", { mockResponse: mock }).mock_response).toEqual([
      {
        path: "/pets/mine",
        method: "GET",
        disabled: false,
        ignore_case: false,
        code: 203,
        body: "hi",
        headers: { "X-A": "1" },
        more_specific_paths: [],
        from_oas_examples: null,
      },
    ]);
  });

  it("resolves the documented responses for fromOASExamples: direct example, named examples, built ones, header examples", () => {
    const [entry] = operationEntries(document, "getPet", mockFromExamples).mock_response;
    const examples = entry?.from_oas_examples;
    expect(examples).toMatchObject({ enabled: true, code: 200, content_type: "application/json", example_name: "" });
    expect(examples?.responses["200"]).toEqual({
      headers: [{ name: "X-Pet-Source", value: "fixture" }],
      content: {
        "application/json": { example: { id: 1, name: "Rex" }, examples: {} },
        "text/plain": { example: undefined, examples: { short: "Rex", long: "Rex the dog" } },
      },
    });
    // No example at all: one is built from the schema ($ref resolved), enums giving their first value.
    expect(examples?.responses["404"]?.content["application/json"]?.generated).toEqual({ status: 0, title: "Not Found" });
  });
});

describe("exampleFromSchema (Tyk's ExampleExtractor)", () => {
  it("builds values by type, preferring the schema's own example", () => {
    expect(
      exampleFromSchema({
        type: "object",
        properties: {
          s: { type: "string" },
          n: { type: "number" },
          b: { type: "boolean" },
          a: { type: "array", items: { type: "integer" } },
          e: { type: "string", example: "given" },
          x: {},
        },
      }),
    ).toEqual({ s: "string", n: 0, b: true, a: [0], e: "given", x: null });
  });
});
