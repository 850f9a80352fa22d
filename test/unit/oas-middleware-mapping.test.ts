import { describe, expect, it } from "vitest";
import { compileDefinition } from "../../src/compile";
import { parseGatewayConfig } from "../../src/config";
import { parseOasDocument, type OasDocument } from "../../src/oas/document";
import { convertOas } from "../../src/oas/to-classic";
import orders from "../fixtures/oas/orders-middleware.json";
import pets from "../fixtures/oas/pets-token.json";
import signup from "../fixtures/oas/signup-form.json";

/*
 * The Tyk OAS middleware that maps onto features the classic model already
 * has: plugins (global lists, plugin config, custom auth), body transforms,
 * virtual endpoints, endpoint tracking and error overrides.
 */

const config = parseGatewayConfig({});
type Json = Record<string, unknown>;

function documentOf(raw: unknown): OasDocument {
  const parsed = parseOasDocument(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.document;
}

/** A copy of `base` with each dotted path (`tyk.` for the extension) set to its value. */
function withFields(base: unknown, changes: Record<string, unknown>): Json {
  const document = structuredClone(base) as Json;
  for (const [dotted, value] of Object.entries(changes)) {
    const keys = dotted.replace(/^tyk\./, "x-tyk-api-gateway.").split(".");
    const last = keys.pop()!;
    let target = document;
    for (const key of keys) {
      target[key] ??= {};
      target = target[key] as Json;
    }
    target[last] = value;
  }
  return document;
}

const extendedPaths = (definition: Json) => (definition.version_data as { versions: Record<string, { extended_paths: Json }> }).versions[""]!.extended_paths;
const unmappedPaths = (document: Json) => convertOas(documentOf(document)).unmapped.map((field) => field.path);

function compiled(document: Json) {
  const result = compileDefinition(document, config);
  if (!result.ok) throw new Error(result.error);
  return result;
}

describe("Tyk OAS plugins to custom_middleware", () => {
  const { definition, unmapped } = convertOas(documentOf(orders));

  it("maps the global plugin lists, the driver and the config data, leaving nothing unmapped", () => {
    expect(definition.custom_middleware).toEqual({
      driver: "otto",
      pre: [{ name: "seePre", path: "middleware/pre.js", disabled: false, raw_body_only: false, require_session: false }],
      post: [{ name: "boom", path: "", disabled: true, raw_body_only: false, require_session: false }],
    });
    expect(definition).toMatchObject({ config_data: { greeting: "hi" }, config_data_disabled: false });
    expect(unmapped).toEqual([]);
  });

  it("takes the list form over the older { plugins } object, as Tyk does, and names plugin fields it cannot use", () => {
    const document = withFields(orders, {
      "tyk.middleware.global.prePlugin": { plugins: [{ enabled: true, functionName: "ignored" }] },
      "tyk.middleware.global.responsePlugins": [{ enabled: true, functionName: "wrapResponse", code: "inline source" }],
    });
    const converted = convertOas(documentOf(document));
    expect((converted.definition.custom_middleware as Json).pre).toEqual([expect.objectContaining({ name: "seePre" })]);
    expect((converted.definition.custom_middleware as Json).response).toEqual([expect.objectContaining({ name: "wrapResponse" })]);
    expect(converted.unmapped).toEqual([
      { path: "$.x-tyk-api-gateway.middleware.global.responsePlugins[0].code", message: expect.any(String), security: false },
    ]);
  });

  it("serves an API whose plugins are registered, and refuses one naming a missing plugin", () => {
    // The fixture's own plugins live in the tests' registry (test/plugins/support); the bundled one has `noop`.
    const served = compiled(withFields(pets, { "tyk.middleware.global.prePlugins": [{ enabled: true, functionName: "noop" }] }));
    expect(served.api.notServed).toEqual([]);
    const refused = compiled(withFields(pets, { "tyk.middleware.global.prePlugins": [{ enabled: true, functionName: "noSuchPlugin" }] }));
    expect(refused.api.notServed).toEqual(["custom_middleware.pre.noSuchPlugin"]);
  });

  it("maps pluginConfig.bundle to custom_middleware_bundle, which the classic manifest refuses (bundles cannot be loaded)", () => {
    const document = withFields(pets, { "tyk.middleware.global.pluginConfig.bundle": { enabled: true, path: "bundle.zip" } });
    const converted = convertOas(documentOf(document)).definition;
    expect(converted).toMatchObject({ custom_middleware_bundle: "bundle.zip", custom_middleware_bundle_disabled: false });
    expect(compiled(document).api.notServed).toEqual(["custom_middleware_bundle"]);
    const off = withFields(pets, { "tyk.middleware.global.pluginConfig.bundle": { enabled: false, path: "bundle.zip" } });
    expect(compiled(off).api.notServed).toEqual([]);
  });

  it("maps server.authentication.custom to custom auth with its auth_check plugin", () => {
    const document = withFields(pets, {
      security: [],
      "tyk.server.authentication": { enabled: true, custom: { enabled: true, config: { enabled: true, functionName: "partnerAuth", path: "auth.so" } } },
    });
    const { definition: classic, unmapped: left } = convertOas(documentOf(document));
    expect(classic).toMatchObject({
      use_keyless: false,
      custom_plugin_auth_enabled: true,
      custom_middleware: { auth_check: { name: "partnerAuth", path: "auth.so", disabled: false, raw_body_only: false, require_session: false } },
    });
    expect(left).toEqual([]);
    expect(compiled(document).api.notServed).toEqual([]);
  });

  it("refuses custom auth whose plugin is not registered or not configured", () => {
    const missing = withFields(pets, {
      security: [],
      "tyk.server.authentication": { enabled: true, custom: { enabled: true, config: { enabled: true, functionName: "nobody" } } },
    });
    expect(compiled(missing).api.notServed).toEqual(["custom_middleware.auth_check.nobody"]);
    const unconfigured = withFields(pets, { security: [], "tyk.server.authentication": { enabled: true, custom: { enabled: true } } });
    expect(compiled(unconfigured).api.notServed).toEqual(["custom_middleware.auth_check.(no name)"]);
  });

  it("names the custom auth credential sources, which a registered plugin reads itself", () => {
    const document = withFields(pets, {
      security: [],
      "tyk.server.authentication": {
        enabled: true,
        custom: { enabled: true, config: { enabled: true, functionName: "partnerAuth" }, header: { enabled: true, name: "X-Partner" } },
      },
    });
    expect(unmappedPaths(document)).toEqual(["$.x-tyk-api-gateway.server.authentication.custom.header"]);
  });

  it("maps an operation's postPlugins to go_plugin (its first entry, as Tyk), which the classic manifest refuses", () => {
    const document = withFields(pets, { "tyk.middleware.operations.listPets.postPlugins": [{ enabled: true, functionName: "Check", path: "plugin.so" }] });
    expect(extendedPaths(convertOas(documentOf(document)).definition).go_plugin).toEqual([
      { path: "/pets", method: "GET", disabled: false, plugin_path: "plugin.so", symbol_name: "Check" },
    ]);
    expect(compiled(document).api.notServed).toEqual(["version_data.versions.*.extended_paths.go_plugin"]);
  });
});

describe("Tyk OAS operation middleware to extended_paths", () => {
  const paths = extendedPaths(convertOas(documentOf(orders)).definition);
  const tyk = orders["x-tyk-api-gateway"].middleware.operations;

  it("maps transformRequestBody / transformResponseBody to transform / transform_response (base64 body: blob)", () => {
    expect(paths.transform).toEqual([
      {
        path: "/orders",
        method: "POST",
        disabled: false,
        template_data: { input_type: "json", enable_session: true, template_mode: "blob", template_source: tyk.createOrder.transformRequestBody.body },
      },
    ]);
    expect(paths.transform_response).toEqual([
      {
        path: "/orders/{orderId}",
        method: "GET",
        disabled: false,
        template_data: { input_type: "json", enable_session: true, template_mode: "blob", template_source: tyk.getOrder.transformResponseBody.body },
      },
    ]);
  });

  it("a template given by file path becomes template_mode file, which the classic definition refuses (no file system)", () => {
    const document = withFields(orders, { "tyk.middleware.operations.createOrder.transformRequestBody": { enabled: true, format: "xml", path: "t.tmpl" } });
    expect(extendedPaths(convertOas(documentOf(document)).definition).transform).toEqual([
      expect.objectContaining({ template_data: { input_type: "xml", enable_session: true, template_mode: "file", template_source: "t.tmpl" } }),
    ]);
    const result = compileDefinition(document, config);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain("template_mode");
  });

  it("maps virtualEndpoint to virtual (functionName, else the deprecated name; body as a blob, else path as a file)", () => {
    expect(paths.virtual).toEqual([
      {
        path: "/hello",
        method: "GET",
        disabled: false,
        response_function_name: "hello",
        function_source_type: "blob",
        function_source_uri: tyk.sayHello.virtualEndpoint.body,
        use_session: false,
        proxy_on_error: false,
      },
    ]);
    const older = withFields(orders, {
      "tyk.middleware.operations.sayHello.virtualEndpoint": { enabled: true, name: "hello", path: "v.js", requireSession: true, proxyOnError: true },
    });
    expect(extendedPaths(convertOas(documentOf(older)).definition).virtual).toEqual([
      expect.objectContaining({
        response_function_name: "hello",
        function_source_type: "file",
        function_source_uri: "v.js",
        use_session: true,
        proxy_on_error: true,
      }),
    ]);
  });

  it("maps trackEndpoint / doNotTrackEndpoint to track_endpoints / do_not_track_endpoints", () => {
    expect(paths.track_endpoints).toEqual([{ path: "/orders/{orderId}", method: "GET", disabled: false }]);
    expect(paths.do_not_track_endpoints).toEqual([{ path: "/health", method: "GET", disabled: false }]);
  });

  it("adds nothing for a disabled middleware", () => {
    const document = withFields(orders, {
      "tyk.middleware.operations.getOrder": { transformResponseBody: { enabled: false, format: "json", body: "e30=" }, trackEndpoint: { enabled: false } },
    });
    const converted = extendedPaths(convertOas(documentOf(document)).definition);
    expect(converted.transform_response).toBeUndefined();
    expect(converted.track_endpoints).toBeUndefined();
  });
});

describe("Tyk OAS errorOverrides to error_overrides", () => {
  it("renames each rule's fields and carries enabled as error_overrides_disabled", () => {
    const { definition } = convertOas(documentOf(orders));
    expect(definition).toMatchObject({
      error_overrides_disabled: false,
      error_overrides: {
        "403": [
          {
            match: { flag: "", message_pattern: "forbidden", body_field: "", body_value: "" },
            response: { status_code: 451, body: '{"closed": true}', message: "", template: "", headers: { "X-Overridden": "yes" } },
          },
        ],
      },
    });
    const off = withFields(orders, { "tyk.errorOverrides.enabled": false });
    expect(convertOas(documentOf(off)).definition.error_overrides_disabled).toBe(true);
  });

  it("a rule the classic field refuses keeps the definition from compiling, naming the classic path", () => {
    const document = withFields(orders, { "tyk.errorOverrides.value": { teapot: [{ response: { statusCode: 418 } }] } });
    const result = compileDefinition(document, config);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain("error_overrides");
  });

  it("a document without any of these middleware gets none of their classic fields", () => {
    const { definition } = convertOas(documentOf(pets));
    for (const field of ["custom_middleware", "config_data", "custom_plugin_auth_enabled", "custom_middleware_bundle", "error_overrides"])
      expect(definition).not.toHaveProperty(field);
  });
});

describe("validateRequest request bodies the gateway does not decode", () => {
  it("are named by JSON path (multipart here); JSON, plain text and form bodies are checked", () => {
    expect(unmappedPaths(signup)).toEqual(['$.paths["/signup"].post.requestBody.content["multipart/form-data"]']);
  });
});
