import { describe, expect, it } from "vitest";
import { compileDefinition } from "../../src/compile";
import { parseGatewayConfig } from "../../src/config";
import { regionView } from "../../src/oas/classic-form";
import { parseOasDocument, type OasDocument } from "../../src/oas/document";
import { convertOas, oasToClassic } from "../../src/oas/to-classic";
import { durationSeconds, locateOperations } from "../../src/oas/to-classic-operations";
import pets from "../fixtures/oas/pets-token.json";

const config = parseGatewayConfig({});

function documentOf(raw: unknown): OasDocument {
  const parsed = parseOasDocument(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.document;
}

/** A copy of the fixture with each dotted path (from the document root, `tyk.` for the extension) set to its value. */
function withFields(changes: Record<string, unknown>): Record<string, unknown> {
  const document = structuredClone(pets) as Record<string, unknown>;
  for (const [dotted, value] of Object.entries(changes)) {
    const keys = dotted.replace(/^tyk\./, "x-tyk-api-gateway.").split(".");
    const last = keys.pop()!;
    let target = document;
    for (const key of keys) target = target[key] as Record<string, unknown>;
    target[last] = value;
  }
  return document;
}

type Version = { extended_paths: Record<string, Record<string, unknown>[]>; [field: string]: unknown };
const versionOf = (classic: Record<string, unknown>) => (classic.version_data as { versions: Record<string, Version> }).versions[""]!;

describe("oasToClassic", () => {
  const classic = oasToClassic(documentOf(pets));
  const paths = versionOf(classic).extended_paths;

  it("maps identity, listen path, upstream and state", () => {
    expect(classic).toMatchObject({
      api_id: "oas-pets",
      name: "Pets",
      active: true,
      proxy: { listen_path: "/pets-api/", strip_listen_path: true, target_url: "http://127.0.0.1:1/upstream" },
    });
    expect(classic).not.toHaveProperty("is_oas");
  });

  it("maps an apiKey scheme named by the document's security to the auth token with its header", () => {
    expect(classic).toMatchObject({
      use_keyless: false,
      use_standard_auth: true,
      auth_configs: { authToken: { auth_header_name: "X-Pet-Token", disable_header: false } },
    });
  });

  it("maps per-operation middleware to the classic lists with the operation's path and method", () => {
    expect(paths.ignored).toEqual([{ path: "/open/{section}", ignore_case: false, method_actions: { GET: expect.objectContaining({ action: "no_action" }) } }]);
    expect(paths.black_list).toEqual([expect.objectContaining({ path: "/pets/{petId}", method_actions: { DELETE: expect.anything() } })]);
    expect(paths.transform_headers).toEqual([{ path: "/pets/{petId}", method: "GET", delete_headers: [], add_headers: { "X-Pet-Op": "get" } }]);
    expect(paths.url_rewrites).toEqual([{ path: "/pets/mine", method: "GET", match_pattern: "/pets/mine", rewrite_to: "/owners/me/pets", triggers: [] }]);
    expect(paths.method_transforms).toEqual([{ path: "/pets/{petId}", method: "PATCH", to_method: "PUT" }]);
    expect(paths.size_limits).toEqual([{ path: "/pets", method: "POST", size_limit: 16 }]);
    expect(paths.rate_limit).toEqual([{ path: "/pets", method: "GET", rate: 2, per: 10 }]);
  });

  it("maps global header transforms to the version's global headers", () => {
    expect(versionOf(classic)).toMatchObject({
      global_headers: { "X-Global": "on" },
      global_headers_remove: ["X-Drop-Me"],
      global_response_headers: { "X-Served-By": "portcullis" },
    });
  });

  it("maps the remaining operation middleware", () => {
    const document = withFields({
      "tyk.middleware.operations.getPet": {
        enforceTimeout: { enabled: true, value: 3 },
        circuitBreaker: { enabled: true, threshold: 0.5, sampleSize: 4, coolDownPeriod: 10, halfOpenStateEnabled: false },
        cache: { enabled: true, cacheByRegex: "id=\\d+", cacheResponseCodes: [200], timeout: 30 },
        allow: { enabled: true, ignoreCase: true },
      },
    });
    const extended = versionOf(oasToClassic(documentOf(document))).extended_paths;
    const at = { path: "/pets/{petId}", method: "GET" };
    expect(extended.hard_timeouts).toEqual([{ ...at, timeout: 3, duration: "" }]);
    expect(extended.circuit_breakers).toEqual([{ ...at, threshold_percent: 0.5, samples: 4, return_to_service_after: 10, disable_half_open_state: true }]);
    expect(extended.advance_cache_config).toEqual([{ ...at, cache_key_regex: "id=\\d+", cache_response_codes: [200], timeout: 30 }]);
    expect(extended.white_list).toEqual([{ path: "/pets/{petId}", ignore_case: true, method_actions: { GET: expect.anything() } }]);
  });

  it("maps URL rewrite triggers rule by rule", () => {
    const document = withFields({
      "tyk.middleware.operations.myPets.urlRewrite.triggers": [
        {
          condition: "any",
          rewriteTo: "/vip",
          rules: [
            { in: "header", name: "X-Tier", pattern: "gold" },
            { in: "query", name: "q", pattern: "x", negate: true },
            { in: "requestBody", pattern: "secret" },
          ],
        },
      ],
    });
    const [rewrite] = versionOf(oasToClassic(documentOf(document))).extended_paths.url_rewrites!;
    expect(rewrite!.triggers).toEqual([
      {
        on: "any",
        rewrite_to: "/vip",
        options: {
          header_matches: { "X-Tier": { match_rx: "gold", reverse: false } },
          query_val_matches: { q: { match_rx: "x", reverse: true } },
          payload_matches: { match_rx: "secret", reverse: false },
        },
      },
    ]);
  });

  it("maps JWT, basic and HMAC authentication", () => {
    const document = withFields({
      security: [{ jwt: [], basic: [] }],
      "components.securitySchemes": { jwt: { type: "http", scheme: "bearer", bearerFormat: "JWT" }, basic: { type: "http", scheme: "basic" } },
      "tyk.server.authentication": {
        enabled: true,
        securitySchemes: { jwt: { enabled: true, signingMethod: "rsa", source: "c2VjcmV0", identityBaseField: "sub" }, basic: { enabled: true, cacheTTL: 5 } },
        hmac: { enabled: true, allowedAlgorithms: ["hmac-sha256"], allowedClockSkew: 1000 },
      },
    });
    const { definition, unmapped } = convertOas(documentOf(document));
    expect(definition).toMatchObject({
      enable_jwt: true,
      jwt_signing_method: "rsa",
      jwt_source: "c2VjcmV0",
      jwt_identity_base_field: "sub",
      use_basic_auth: true,
      basic_auth: { cache_ttl: 5 },
      enable_signature_checking: true,
      hmac_allowed_algorithms: ["hmac-sha256"],
      hmac_allowed_clock_skew: 1000,
    });
    expect(unmapped).toEqual([]);
  });

  it("maps keyless, custom domain, CORS, cache, context variables, traffic logs and load balancing", () => {
    const document = withFields({
      "tyk.server.authentication": { enabled: false },
      "tyk.server.customDomain": { enabled: true, name: "pets.example" },
      "tyk.server.gatewayTags": { enabled: true, tags: ["eu"] },
      "tyk.upstream.loadBalancing": {
        enabled: true,
        targets: [
          { url: "http://127.0.0.1:1", weight: 2 },
          { url: "http://127.0.0.1:2", weight: 1 },
        ],
      },
      "tyk.middleware.global": {
        cors: { enabled: true, allowedOrigins: ["https://a.example"], maxAge: 60 },
        cache: { enabled: true, timeout: 60, cacheAllSafeRequests: true },
        contextVariables: { enabled: true },
        trafficLogs: { enabled: false },
        requestSizeLimit: { enabled: true, value: 100 },
      },
    });
    const classic = oasToClassic(documentOf(document));
    expect(classic).toMatchObject({
      use_keyless: true,
      domain: "pets.example",
      tags: ["eu"],
      proxy: { enable_load_balancing: true, target_list: ["http://127.0.0.1:1", "http://127.0.0.1:1", "http://127.0.0.1:2"] },
      CORS: { enable: true, allowed_origins: ["https://a.example"], max_age: 60 },
      cache_options: { enable_cache: true, cache_timeout: 60, cache_all_safe_requests: true },
      enable_context_vars: true,
      do_not_track: true,
    });
    expect(versionOf(classic).global_size_limit).toBe(100);
  });

  it("maps uptime tests with Tyk's readable durations", () => {
    const classic = oasToClassic(
      documentOf(
        withFields({
          "tyk.upstream.uptimeTests": {
            enabled: true,
            hostDownRetestPeriod: "20s",
            logRetentionPeriod: "1m",
            tests: [{ url: "http://127.0.0.1:1/health", timeout: "500ms", method: "GET", headers: { "X-Check": "1" } }],
          },
        }),
      ),
    );
    expect(classic.proxy).toMatchObject({ check_host_against_uptime_tests: true });
    expect(classic.uptime_tests).toEqual({
      disabled: false,
      config: { expire_utime_after: 60, recheck_wait: 20 },
      check_list: [
        {
          url: "http://127.0.0.1:1/health",
          timeout: 500_000_000,
          method: "GET",
          headers: { "X-Check": "1" },
          body: "",
          enable_proxy_protocol: false,
          commands: null,
        },
      ],
    });
  });

  it("orders operations most specific first, literal segments before parameters", () => {
    const order = locateOperations(documentOf(pets)).map((operation) => `${operation.method} ${operation.path}`);
    expect(order.indexOf("GET /pets/mine")).toBeLessThan(order.indexOf("GET /pets/{petId}"));
    expect(order.indexOf("GET /pets/{petId}")).toBeLessThan(order.indexOf("GET /pets"));
  });

  it("reads Tyk's durations in seconds", () => {
    expect(durationSeconds("10s")).toBe(10);
    expect(durationSeconds("1h2m3s")).toBe(3723);
    expect(durationSeconds("bad")).toBe(0);
  });
});

describe("fields without a classic mapping", () => {
  it("name alternative security requirements, which are enforced all together", () => {
    const { unmapped, definition } = convertOas(
      documentOf(withFields({ security: [{ token: [] }, { other: [] }], "tyk.server.authentication.securitySchemes.other": { enabled: true } })),
    );
    expect(definition.use_standard_auth).toBe(true);
    expect(unmapped.map((field) => field.path)).toContain("$.security");
  });

  it("are listed by JSON path and served with a warning when they do not restrict access", () => {
    const document = withFields({ "tyk.server.detailedTracing": { enabled: true } });
    const result = compileDefinition(document, config);
    if (!result.ok) throw new Error(result.error);
    expect(result.api.notServed).toEqual([]);
    expect(result.warnings.map((warning) => warning.field)).toContain("$.x-tyk-api-gateway.server.detailedTracing");
  });

  it("keep the API from being served when they restrict access (an OAuth scheme, an internal operation)", () => {
    const document = withFields({
      security: [{ oauth: [] }],
      "components.securitySchemes": { oauth: { type: "oauth2", flows: {} } },
      "tyk.server.authentication": { enabled: true, securitySchemes: { oauth: { enabled: true } } },
      "tyk.middleware.operations.getPet.internal": { enabled: true },
    });
    const result = compileDefinition(document, config);
    if (!result.ok) throw new Error(result.error);
    expect([...result.api.notServed].sort()).toEqual([
      '$.x-tyk-api-gateway.middleware.operations["getPet"].internal',
      '$.x-tyk-api-gateway.server.authentication.securitySchemes["oauth"]',
    ]);
  });

  it("an internal API is carried over as `internal` (served only through a base's versions, test/gateway/oas-versioning.test.ts)", () => {
    const result = compileDefinition(withFields({ "tyk.info.state": { active: true, internal: true } }), config);
    if (!result.ok) throw new Error(result.error);
    expect(result.api.notServed).toEqual([]);
    expect(result.warnings.map((warning) => warning.field)).not.toContain("internal");
  });

  it("a document with issues does not compile, and its error names the JSON path", () => {
    const document = withFields({ "tyk.upstream.url": 42 });
    const result = compileDefinition(document, config);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toContain("$.x-tyk-api-gateway.upstream.url: expected string, got number 42");
  });
});

describe("compiling a Tyk OAS document", () => {
  it("gives the region check its gateway tags (none when the tags are off)", () => {
    expect(regionView(withFields({ "tyk.server.gatewayTags": { enabled: true, tags: ["eu"] } }))).toEqual({ tags: ["eu"] });
    expect(regionView(withFields({ "tyk.server.gatewayTags": { enabled: false, tags: ["eu"] } }))).toEqual({ tags: [] });
  });

  it("serves it through the same chain as its classic form, without the Tyk OAS catalogue entry", () => {
    const fromOas = compileDefinition(pets, config);
    const fromClassic = compileDefinition(oasToClassic(documentOf(pets)), config);
    if (!fromOas.ok || !fromClassic.ok) throw new Error("did not compile");
    expect(fromOas.api.chain).toEqual(fromClassic.api.chain);
    expect(fromOas.api.route).toEqual(fromClassic.api.route);
    expect(fromOas.warnings).toEqual(fromClassic.warnings);
    expect(fromOas.api.notServed).toEqual([]);
  });
});

const tykSamples = import.meta.glob<Record<string, unknown>>("../../../shared/tyk-samples/oas/*.json", { eager: true, import: "default" });
const tykSample = (name: string) => Object.entries(tykSamples).find(([path]) => path.endsWith(`/${name}`))?.[1];
if (Object.keys(tykSamples).length === 0) console.info("oas-to-classic: ../shared/tyk-samples/oas not found beside the repository; skipping Tyk's OAS samples");

describe.skipIf(Object.keys(tykSamples).length === 0)("Tyk's OAS samples", () => {
  it("urlRewrite-oas.json: every trigger rule kind becomes a classic trigger option, and the API compiles", () => {
    const document = withFields({ "tyk.middleware.operations.myPets.urlRewrite": tykSample("urlRewrite-oas.json") });
    const result = compileDefinition(document, config);
    if (!result.ok) throw new Error(result.error);
    expect(result.api.notServed).toEqual([]);
    const [rewrite] = versionOf(oasToClassic(documentOf(document))).extended_paths.url_rewrites!;
    const [any, all] = rewrite!.triggers as { on: string; options: Record<string, unknown> }[];
    expect(any!.on).toBe("any");
    expect(Object.keys(any!.options).sort()).toEqual([
      "header_matches",
      "path_part_matches",
      "payload_matches",
      "query_val_matches",
      "request_context_matches",
      "session_meta_matches",
    ]);
    expect(any!.options.header_matches).toEqual({
      header_name: { match_rx: "header_pattern", reverse: true },
      "content-type": { match_rx: "header_pattern_without_negate", reverse: false },
    });
    expect(all!.on).toBe("all");
  });

  it("urlSorting.json: literal paths come before templates of the same length", () => {
    const order = locateOperations(documentOf(tykSample("urlSorting.json"))).map((operation) => operation.path);
    expect(order.indexOf("/anything/dupa")).toBeLessThan(order.indexOf("/anything/{id}"));
    expect(order.indexOf("/test/abc")).toBeLessThan(order.indexOf("/test/{id}"));
    expect(order[0]).toBe("/test/abc/def");
  });
});
