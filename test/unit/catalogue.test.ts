import { describe, expect, it } from "vitest";
import { type FieldPattern, inertFields, type UnsupportedFeature, unsupportedFeatures } from "../../src/apidef/catalogue";

type Definition = Record<string, unknown>;

const samples = import.meta.glob<{ default: Definition }>("../../../shared/tyk-samples/apps/*.json", { eager: true });
if (Object.keys(samples).length === 0) console.info("catalogue: ../shared/tyk-samples not found; skipping the check against Tyk's samples");

const segments = (pattern: FieldPattern): string[] => pattern.split(".");

/** Every path the inner pattern matches is matched by the outer one. */
function covers(outer: FieldPattern, inner: FieldPattern): boolean {
  const [a, b] = [segments(outer), segments(inner)];
  return a.length <= b.length && a.every((segment, index) => segment === "*" || segment === b[index]);
}

/** Some path is matched by both patterns. */
function meet(first: FieldPattern, second: FieldPattern): boolean {
  const [a, b] = [segments(first), segments(second)];
  return a.every((segment, index) => index >= b.length || segment === "*" || b[index] === "*" || segment === b[index]);
}

function feature(name: string): UnsupportedFeature {
  const found = unsupportedFeatures.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no feature named ${name}`);
  return found;
}

const active = (name: string, definition: Definition): boolean | undefined => feature(name).active?.(definition);
const owner = (path: string): string | undefined => unsupportedFeatures.find((candidate) => candidate.fields.some((field) => covers(field, path)))?.name;
const version = (settings: Definition): Definition => ({ version_data: { not_versioned: true, versions: { Default: { name: "Default", ...settings } } } });
const endpoints = (extended: Definition, settings: Definition = {}): Definition => version({ use_extended_paths: true, extended_paths: extended, ...settings });

const entries = [
  ...unsupportedFeatures.map((candidate) => ({ entry: candidate.name, fields: candidate.fields })),
  ...inertFields.map((inert) => ({ entry: `inert ${inert.field}`, fields: [inert.field] })),
];

describe("the field catalogue", () => {
  it("writes every pattern as dotted segments, each a key or *", () => {
    for (const { fields } of entries) {
      expect(fields.length).toBeGreaterThan(0);
      for (const field of fields) expect(field).toMatch(/^(\*|[A-Za-z0-9_]+)(\.(\*|[A-Za-z0-9_]+))*$/);
    }
  });

  it("names each feature once, by a switch among its own fields, and says why each inert field is inert", () => {
    for (const candidate of unsupportedFeatures) {
      expect(
        candidate.fields.some((field) => covers(field, candidate.switch)),
        candidate.name,
      ).toBe(true);
      expect(candidate.name).not.toBe("");
    }
    expect(new Set(unsupportedFeatures.map((candidate) => candidate.switch)).size).toBe(unsupportedFeatures.length);
    expect(new Set(unsupportedFeatures.map((candidate) => candidate.name)).size).toBe(unsupportedFeatures.length);
    for (const inert of inertFields) expect(inert.why).not.toBe("");
  });

  it("gives no pattern to two entries, and keeps inert fields apart from every feature", () => {
    for (const [index, first] of entries.entries()) {
      for (const second of entries.slice(index + 1)) {
        for (const a of first.fields) {
          for (const b of second.fields) {
            expect(covers(a, b) || covers(b, a), `${first.entry}: ${a} / ${second.entry}: ${b}`).toBe(false);
            if (first.entry.startsWith("inert") || second.entry.startsWith("inert")) expect(meet(a, b), `${a} / ${b}`).toBe(false);
          }
        }
      }
    }
  });

  it("finds an auth method's own auth_configs key before the settings shared by all keys", () => {
    // Custom auth (auth_check plugins) is honoured, so its auth_configs key has no entry of its own.
    expect(owner("auth_configs.coprocess.validate_signature")).toBe("Auth token signature validation");
    expect(owner("auth_configs.authToken.validate_signature")).toBe("Auth token signature validation");
  });

  it("decides every feature explicitly, so Tyk's all-zero structs activate nothing", () => {
    const zeroExport: Definition = {
      CORS: { enable: false, allowed_origins: null, max_age: 0, options_passthrough: false },
      cache_options: { cache_timeout: 60, enable_cache: false, cache_all_safe_requests: false },
      uptime_tests: {
        check_list: [],
        config: { expire_utime_after: 0, service_discovery: { use_discovery_service: false, cache_timeout: 0 }, recheck_wait: 0 },
      },
      proxy: {
        listen_path: "/a/",
        transport: { ssl_insecure_skip_verify: false, ssl_ciphers: null, ssl_min_version: 0 },
        service_discovery: { cache_timeout: 0 },
      },
      event_handlers: { events: {} },
      external_oauth: { enabled: false, providers: [] },
      scopes: { jwt: {}, oidc: {} },
      graphql: { enabled: false, execution_mode: "proxyOnly", version: "2" },
      upstream_auth: { enabled: false, basic_auth: { enabled: false } },
      request_signing: { is_enabled: false, algorithm: "" },
      analytics_plugin: {},
      auth_provider: { name: "", storage_engine: "", meta: null },
      session_provider: { name: "", storage_engine: "", meta: null },
      protocol: "http",
      is_oas: false,
      ...endpoints(
        { ignored: [], white_list: [], black_list: [] },
        { global_enforce_timeout: "0s", global_size_limit: 0, paths: { ignored: [], white_list: [] } },
      ),
    };
    for (const candidate of unsupportedFeatures) {
      expect(candidate.active, candidate.name).toBeTypeOf("function");
      expect(candidate.active?.(zeroExport), candidate.name).toBe(false);
    }
  });

  it("never throws on values of the wrong type", () => {
    const malformed: Definition[] = [
      {},
      { version_data: null },
      { version_data: { versions: [] } },
      { version_data: { versions: { v1: null, v2: "x" } } },
      { version_data: { versions: { v1: { paths: 5, extended_paths: "x", use_extended_paths: "yes" } } } },
      { version_data: { versions: { v1: { extended_paths: { internal: {}, hard_timeouts: [null, 1, "x"], url_rewrites: [{ triggers: "x" }] } } } } },
      { CORS: [], proxy: "x", auth: 5, auth_configs: [], scopes: 1, custom_middleware: { pre: {}, post: [null] }, event_handlers: { events: [] } },
      { enable_ip_whitelisting: "yes", allowed_ips: "10.0.0.1", uptime_tests: { disabled: "no", check_list: {} }, definition: "url", slug: 7 },
    ];
    for (const definition of malformed) {
      for (const candidate of unsupportedFeatures) expect(candidate.active?.(definition), candidate.name).toBeTypeOf("boolean");
    }
  });

  // Tyk's samples sit beside the repository in the development workspace only (see tyk-samples.test.ts).
  it.skipIf(Object.keys(samples).length === 0)("reports the security features Tyk's samples turn on, and no others", () => {
    const expected: Record<string, string[]> = {
      "coprocess_grpc_app_sample_protected.json": ["Custom plugin bundle"],
    };
    expect(Object.keys(samples).length).toBeGreaterThan(40);
    for (const [path, sample] of Object.entries(samples)) {
      const name = path.split("/").pop() ?? path;
      const refused = unsupportedFeatures.filter((candidate) => candidate.security && candidate.active?.(sample.default)).map((candidate) => candidate.name);
      expect(refused, name).toEqual(expected[name] ?? []);
    }
  });
});

describe("when Tyk acts on a feature", () => {
  it("skips auth methods on keyless APIs, but not GraphQL", () => {
    const jwks = { enable_jwt: true, is_oas: true, jwt_jwks_uris: [{ url: "https://idp.example/jwks" }] };
    expect(active("JWT verification against JWKS URIs", jwks)).toBe(true);
    expect(active("JWT verification against JWKS URIs", { ...jwks, use_keyless: true })).toBe(false);
    expect(active("GraphQL", { graphql: { enabled: true }, use_keyless: true })).toBe(true);
    expect(active("GraphQL", { graphql: { enabled: "yes" } })).toBe(true);
    expect(active("GraphQL", { graphql: { schema: "type Query { a: Int }" } })).toBe(false);
  });

  it("reads auth token signatures from auth_configs.authToken, else from auth, only when the token is checked", () => {
    const signed = { validate_signature: true, signature: { algorithm: "MasheryMD5" } };
    expect(active("Auth token signature validation", { auth_configs: { authToken: signed } })).toBe(true);
    expect(active("Auth token signature validation", { auth: signed })).toBe(true);
    expect(active("Auth token signature validation", { auth: signed, auth_configs: { authToken: {} } })).toBe(false);
    expect(active("Auth token signature validation", { auth: signed, enable_jwt: true })).toBe(false);
    expect(active("Auth token signature validation", { auth: signed, enable_jwt: true, use_standard_auth: true })).toBe(true);
  });

  it("verifies JWTs against JWKS URIs only for Tyk OAS APIs", () => {
    expect(active("JWT verification against JWKS URIs", { enable_jwt: true, jwt_jwks_uris: [{ url: "https://idp/jwks" }] })).toBe(false);
    expect(active("JWT verification against JWKS URIs", { enable_jwt: true, is_oas: true, jwt_jwks_uris: [{ url: "https://idp/jwks" }] })).toBe(true);
  });

  it("counts endpoint entries that are not disabled, in versions that use extended paths", () => {
    expect(active("Internal endpoint", endpoints({ internal: [{ path: "/admin", method: "GET" }] }))).toBe(true);
    expect(active("Internal endpoint", endpoints({ internal: [{ path: "/admin", method: "GET", disabled: true }] }))).toBe(false);
    expect(active("Internal endpoint", endpoints({ internal: [{ path: "/admin" }] }, { use_extended_paths: false }))).toBe(false);
  });

  it("applies case-insensitive matching to the endpoint lists", () => {
    const blocked = { black_list: [{ path: "/admin", method: "GET" }] };
    expect(active("Case-insensitive endpoint matching", endpoints(blocked, { ignore_endpoint_case: true }))).toBe(true);
    expect(active("Case-insensitive endpoint matching", endpoints({}, { ignore_endpoint_case: true }))).toBe(false);
  });

  it("turns report-only features on by their switches", () => {
    const discovered = { service_discovery: { use_discovery_service: true } };
    expect(active("Uptime test service discovery", { uptime_tests: { config: discovered } })).toBe(true);
    expect(active("Uptime test service discovery", { uptime_tests: { disabled: true, config: discovered } })).toBe(false);
    expect(active("Custom listen port", { listen_port: 0 })).toBe(false);
    expect(active("Upstream authentication", { upstream_auth: { enabled: true } })).toBe(true);
    expect(active("Upstream authentication", { upstream_auth: { enabled: false } })).toBe(false);
    expect(active("TCP / TLS service", { protocol: "tcp" })).toBe(true);
    expect(active("TCP / TLS service", { protocol: "https", enable_proxy_protocol: true })).toBe(false);
    expect(active("Tyk OAS API", { is_oas: true })).toBe(true);
  });

  it("reads the slug only for URL versioning", () => {
    const urlVersioning = { slug: "my-api", definition: { location: "url" }, version_data: { not_versioned: false, versions: {} } };
    expect(active("Slug prefix before a URL version", urlVersioning)).toBe(true);
    expect(active("Slug prefix before a URL version", { ...urlVersioning, definition: { location: "header" } })).toBe(false);
    expect(active("Slug prefix before a URL version", { ...urlVersioning, version_data: { not_versioned: true } })).toBe(false);
  });
});
