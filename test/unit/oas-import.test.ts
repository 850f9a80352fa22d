import { describe, expect, it } from "vitest";
import { at, type Json } from "../../src/apidef/raw-json";
import { exportedDocument, exportFileName } from "../../src/oas/export";
import { buildTykExtension, importMessages, importParamsFrom, syncOperations, type ImportParams } from "../../src/oas/import";

const petstore = (): Json => ({
  openapi: "3.0.3",
  info: { title: "Pets", version: "1.0.0" },
  servers: [{ url: "http://127.0.0.1:1234/v1" }],
  security: [{ api_key: [] }],
  components: { securitySchemes: { api_key: { type: "apiKey", in: "header", name: "X-Key" } } },
  paths: {
    "/pets": {
      get: { operationId: "listPets", responses: { "200": { description: "ok", content: { "application/json": { example: [{ id: 1 }] } } } } },
      post: {
        requestBody: { content: { "application/json": { schema: { type: "object" } } } },
        responses: { "201": { description: "created" } },
      },
    },
    "/pets/{id}": {
      parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer" } }],
      delete: { responses: { "204": { description: "gone" } } },
    },
  },
});

function built(params: ImportParams, document: Json = petstore()): Json {
  const result = buildTykExtension(document, params, true);
  if (!result.ok) throw new Error(result.message);
  return result.document;
}

const extensionOf = (document: Json) => document["x-tyk-api-gateway"] as Json;
const operationsOf = (document: Json) => (at(document, "x-tyk-api-gateway.middleware.operations") ?? {}) as Record<string, Json>;

describe("import parameters", () => {
  it("reads text parameters trimmed and flags as Go booleans, ignoring anything else", () => {
    const query: Record<string, string> = { upstreamURL: " http://127.0.0.1:1/ ", allowList: "t", validateRequest: "False", mockResponse: "yes" };
    expect(importParamsFrom((name) => query[name])).toEqual({ upstreamURL: "http://127.0.0.1:1/", allowList: true, validateRequest: false });
  });

  it("is undefined when the query sets none", () => {
    expect(importParamsFrom(() => undefined)).toBeUndefined();
    expect(importParamsFrom((name) => (name === "allowList" ? "maybe" : undefined))).toBeUndefined();
  });
});

describe("buildTykExtension on import", () => {
  it("builds Tyk's defaults from the document: name from the title, upstream from the first server, listen path / stripped, active", () => {
    const extension = extensionOf(built({}));
    expect(extension.info).toEqual({ name: "Pets", state: { active: true, internal: false } });
    expect(extension.upstream).toEqual({ url: "http://127.0.0.1:1234/v1" });
    expect(extension.server).toEqual({ listenPath: { value: "/", strip: true } });
    expect(extension.middleware).toEqual({ global: { contextVariables: { enabled: true }, trafficLogs: { enabled: true } } });
  });

  it("takes upstreamURL, listenPath, customDomain and apiID from the parameters", () => {
    const extension = extensionOf(built({ upstreamURL: "http://127.0.0.1:9/", listenPath: "/pets-api/", customDomain: "pets.example", apiID: "pets" }));
    expect(at(extension, "upstream.url")).toBe("http://127.0.0.1:9/");
    expect(at(extension, "server.listenPath")).toEqual({ value: "/pets-api/", strip: true });
    expect(at(extension, "server.customDomain")).toEqual({ enabled: true, name: "pets.example" });
    expect(at(extension, "info.id")).toBe("pets");
  });

  it("fills server variables from their defaults and refuses a variable without one", () => {
    const document = { ...petstore(), servers: [{ url: "http://{host}:{port}/", variables: { host: { default: "127.0.0.1" }, port: { default: "8080" } } }] };
    expect(at(built({}, document), "x-tyk-api-gateway.upstream.url")).toBe("http://127.0.0.1:8080/");
    const noDefault = { ...petstore(), servers: [{ url: "http://{host}/", variables: { host: { enum: ["a"] } } }] };
    expect(buildTykExtension(noDefault, {}, true)).toEqual({ ok: false, message: importMessages.variableWithoutDefault("host") });
  });

  it("refuses a document without servers and no upstreamURL, and a relative upstream", () => {
    expect(buildTykExtension({ ...petstore(), servers: [] }, {}, true)).toEqual({ ok: false, message: importMessages.emptyServers });
    expect(buildTykExtension(petstore(), { upstreamURL: "/relative" }, true)).toEqual({ ok: false, message: importMessages.invalidUpstreamURL });
    expect(buildTykExtension({ ...petstore(), servers: [{ url: "/v1" }] }, {}, true)).toEqual({ ok: false, message: importMessages.invalidServerURL("/v1") });
  });

  it("generates missing operation ids as Tyk does and writes them into the document", () => {
    const document = built({ allowList: true });
    expect(at(document.paths, "/pets.post.operationId")).toBe("petsPOST");
    expect(at(document.paths, "/pets/{id}.delete.operationId")).toBe("pets/{id}DELETE");
    expect(Object.keys(operationsOf(document)).sort()).toEqual(["listPets", "pets/{id}DELETE", "petsPOST"]);
  });

  it("allowList=true allows every operation", () => {
    const operations = operationsOf(built({ allowList: true }));
    for (const entry of Object.values(operations)) expect(entry.allow).toEqual({ enabled: true });
  });

  it("validateRequest=true validates operations with a JSON body or parameters (on the operation or its path), with status 422", () => {
    const operations = operationsOf(built({ validateRequest: true }));
    expect(Object.keys(operations).sort()).toEqual(["pets/{id}DELETE", "petsPOST"]);
    expect(operations.petsPOST?.validateRequest).toEqual({ enabled: true, errorResponseCode: 422 });
  });

  it("mockResponse=true mocks from the examples of operations whose responses have content", () => {
    const operations = operationsOf(built({ mockResponse: true }));
    expect(operations).toEqual({ listPets: { mockResponse: { enabled: true, fromOASExamples: { enabled: true } } } });
  });

  it("authentication=true maps the required security schemes; without `security` it is refused", () => {
    expect(at(built({ authentication: true }), "x-tyk-api-gateway.server.authentication")).toEqual({
      enabled: true,
      securitySchemes: { api_key: { enabled: true } },
    });
    const { security: _none, ...withoutSecurity } = petstore();
    expect(buildTykExtension(withoutSecurity, { authentication: true }, true)).toEqual({ ok: false, message: importMessages.emptySecurity });
  });

  it("maps JWT and basic schemes with the Authorization header, and names the base identity provider when there are several", () => {
    const document = {
      ...petstore(),
      security: [{ jwt: [], basic: [] }],
      components: { securitySchemes: { jwt: { type: "http", scheme: "bearer", bearerFormat: "JWT" }, basic: { type: "http", scheme: "basic" } } },
    };
    const authentication = at(built({ authentication: true }, document), "x-tyk-api-gateway.server.authentication") as Json;
    const header = { enabled: true, name: "Authorization" };
    expect(authentication.securitySchemes).toEqual({ jwt: { enabled: true, header }, basic: { enabled: true, header } });
    expect(authentication.baseIdentityProvider).toBe("jwt_claim");
  });

  it("leaves its input unchanged", () => {
    const input = petstore();
    built({ allowList: true, validateRequest: true });
    buildTykExtension(input, { allowList: true }, true);
    expect(input).toEqual(petstore());
  });
});

describe("syncOperations (after a PATCH)", () => {
  it("drops entries of operations the document no longer has and keeps the others", () => {
    const document = {
      ...petstore(),
      "x-tyk-api-gateway": { info: { name: "p" }, middleware: { operations: { listPets: { allow: { enabled: true } }, gone: { allow: { enabled: true } } } } },
    };
    expect(operationsOf(syncOperations(document))).toEqual({ listPets: { allow: { enabled: true } } });
  });
});

describe("export", () => {
  it("public mode removes the extension only", () => {
    const document = built({});
    const { "x-tyk-api-gateway": _extension, ...plain } = document;
    expect(exportedDocument(document, true)).toEqual(plain);
    expect(exportedDocument(document, false)).toBe(document);
  });

  it("names files as Tyk does", () => {
    expect(exportFileName("a1", false)).toBe("TykOasApiDef-a1.json");
    expect(exportFileName("a1", true)).toBe("oas-a1.json");
    expect(exportFileName(undefined, true)).toBe("oas.json");
  });
});
