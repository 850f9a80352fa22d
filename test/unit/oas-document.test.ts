import { describe, expect, it } from "vitest";
import { isOasDocument, jsonPath, parseOasDocument } from "../../src/oas/document";
import { parseYamlOrJson } from "../../src/oas/text";
import pets from "../fixtures/oas/pets-token.json";

const copy = (): Record<string, unknown> => structuredClone(pets) as Record<string, unknown>;
const extensionOf = (document: Record<string, unknown>) => document["x-tyk-api-gateway"] as Record<string, Record<string, unknown>>;

describe("Tyk OAS documents", () => {
  it("are told apart from classic definitions and plain OpenAPI documents", () => {
    expect(isOasDocument(pets)).toBe(true);
    expect(isOasDocument({ api_id: "a", proxy: { listen_path: "/a/" } })).toBe(false);
    expect(isOasDocument({ openapi: "3.0.3", info: { title: "t", version: "1" }, paths: {} })).toBe(false);
    expect(isOasDocument({ openapi: "2.0", "x-tyk-api-gateway": {} })).toBe(false);
    expect(isOasDocument({ openapi: "3.1.0", "x-tyk-api-gateway": {} })).toBe(true);
  });

  it("parse when valid", () => {
    const parsed = parseOasDocument(pets);
    expect(parsed.ok).toBe(true);
  });

  it("name a wrongly typed field by JSON path, with what was expected and what was found", () => {
    const document = copy();
    extensionOf(document).server!.listenPath = { value: 5 };
    const parsed = parseOasDocument(document);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues).toEqual([expect.objectContaining({ path: "$.x-tyk-api-gateway.server.listenPath.value", expected: "string", got: "number 5" })]);
  });

  it("name a bad operation middleware field under its operationId", () => {
    const document = copy();
    const middleware = extensionOf(document).middleware as { operations: Record<string, Record<string, unknown>> };
    middleware.operations.listPets!.rateLimit = { enabled: true, rate: "many", per: "10s" };
    const parsed = parseOasDocument(document);
    if (parsed.ok) throw new Error("expected issues");
    expect(parsed.issues.map((issue) => issue.path)).toEqual(["$.x-tyk-api-gateway.middleware.operations.listPets.rateLimit.rate"]);
    expect(parsed.issues[0]).toMatchObject({ expected: "number", got: 'string "many"' });
  });

  it("report a missing required field and a bad enum value", () => {
    const document = copy();
    delete extensionOf(document).info!.state;
    extensionOf(document).server!.authentication = { enabled: true, baseIdentityProvider: "magic" };
    const parsed = parseOasDocument(document);
    if (parsed.ok) throw new Error("expected issues");
    const byPath = Object.fromEntries(parsed.issues.map((issue) => [issue.path, issue]));
    expect(byPath["$.x-tyk-api-gateway.info.state"]).toMatchObject({ expected: "object", got: "nothing" });
    expect(byPath["$.x-tyk-api-gateway.server.authentication.baseIdentityProvider"]?.expected).toContain('"auth_token"');
  });

  it("refuse an OpenAPI version other than 3.0 or 3.1", () => {
    const parsed = parseOasDocument({ ...copy(), openapi: "3.2.0" });
    if (parsed.ok) throw new Error("expected issues");
    expect(parsed.issues[0]).toMatchObject({ path: "$.openapi", got: 'string "3.2.0"' });
  });

  it("write JSON paths with brackets for indexes and unusual keys", () => {
    expect(jsonPath(["paths", "/pets/{id}", "get", "parameters", 0])).toBe('$.paths["/pets/{id}"].get.parameters[0]');
    expect(jsonPath(["x-tyk-api-gateway", "info"])).toBe("$.x-tyk-api-gateway.info");
  });
});

describe("parseYamlOrJson", () => {
  it("reads JSON and YAML alike", () => {
    expect(parseYamlOrJson('{"openapi":"3.0.3"}')).toEqual({ ok: true, value: { openapi: "3.0.3" } });
    expect(parseYamlOrJson("openapi: 3.0.3\ninfo:\n  title: t\n")).toEqual({ ok: true, value: { openapi: "3.0.3", info: { title: "t" } } });
  });

  it("reports text that is neither", () => {
    const result = parseYamlOrJson("a: [unclosed");
    expect(result.ok).toBe(false);
  });
});
