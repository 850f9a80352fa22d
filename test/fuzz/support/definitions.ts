import fc from "fast-check";
import { unsupportedFeatures } from "../../../src/apidef/catalogue";
import { coreHonours } from "../../../src/apidef/schema";
import { pipeline } from "../../../src/pipeline";
import { hostileId, hostileText } from "./strings";

/*
 * API definitions as operators write them, and as they go wrong: a keyless
 * (or auth) API with a random selection of the features Portcullis
 * implements, filled with plausible values, then a few fields anywhere in the
 * definition set to arbitrary JSON. Patterns here never nest quantifiers, so
 * serving them cannot stall the isolate; patterns.test.ts probes those.
 */

type Json = unknown;
type Definition = Record<string, Json>;

/** Mostly what a careful operator writes, sometimes what a careless one does. */
const mostly = <T, U>(valid: fc.Arbitrary<T>, careless: fc.Arbitrary<U>) => fc.oneof({ arbitrary: valid, weight: 19 }, { arbitrary: careless, weight: 1 });

const methods = mostly(fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"), fc.constantFrom("get", "", "ANY", "FOO"));

/** Tyk endpoint paths: literal segments, `{param}` placeholders, regex fragments (some invalid). */
export const endpointPath: fc.Arbitrary<string> = mostly(
  fc.oneof(
    fc.constantFrom("/", "/{id}", "/users/{id}", "/users/{id}/orders/{order}", "/a.*", "^/x$", "/items/[0-9]+", "/(x|y)", "/*", "", "/{a}/{a}"),
    fc.constantFrom("/ü", "/%20", "/a b", "/\\d+", "/x?y", "/.+/end", "/$", "^", "/{id:[0-9]+}", "(?<n>a)", "/a{2,3}"),
    fc.stringMatching(/^\/[a-z0-9]{0,6}(\{[a-z]{1,3}\}|\.\*)?$/),
  ),
  fc.oneof(fc.constantFrom("(", "[", "{", "\\", "/(?i)abc", "/**"), hostileText),
);

/** Regexes for rewrites and triggers: valid, invalid, and with lookarounds, none with nested quantifiers. */
const pattern: fc.Arbitrary<string> = mostly(
  fc.oneof(
    fc.constantFrom("(.*)", "^/(\\w+)/(\\d+)$", "x{2,3}", "(?<name>a)", "[^/]+", "(?=a)b", "(?!x).", "^$", ".", "^/fuzz(.*)"),
    fc.stringMatching(/^[a-z/.]{0,6}(\.\*|\+|\?)?[a-z/]{0,4}$/),
  ),
  fc.oneof(fc.constantFrom("(", ")", "a**", "\\", "[", "\\k<n>"), hostileText),
);

const headerName = fc.oneof(
  fc.constantFrom("X-Fuzz", "Authorization", "Host", "Content-Length", "Connection", "x-tyk-authorization", "Set-Cookie"),
  hostileText,
);
const headerMap = fc.dictionary(headerName, fc.oneof(hostileText, fc.constantFrom("$tyk_context.headers_X_Fuzz", "$tyk_meta.foo", "$tyk_context.request_id")), {
  maxKeys: 3,
});
const status = mostly(fc.constantFrom(200, 201, 204, 301, 400, 403, 404, 418, 422, 499, 500, 503), fc.integer({ min: -5, max: 700 }));
/** Rewrite targets stay on the echo upstream (relative, or its origin: see onLoopback). */
const rewriteTo = mostly(
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Tyk's own `${1}` group syntax, not a template
  fc.constantFrom("/fuzz/rewritten", "/fuzz/$1", "$1", "/fuzz/$tyk_context.headers_X_Fuzz", "http://upstream/x", "", "?a=b", "/fuzz/${1}", "/fuzz/$tyk_meta.x"),
  fc.oneof(fc.constant("tyk://self/x"), hostileText),
);

const endpoint = <T extends Record<string, fc.Arbitrary<Json>>>(extra: T) =>
  fc.record({ path: endpointPath, method: methods, disabled: fc.boolean(), ...extra }, { requiredKeys: ["path", "method", ...Object.keys(extra)] as never });

const methodAction = fc.record(
  { action: mostly(fc.constantFrom("no_action", "reply"), fc.constantFrom("bogus", "")), code: status, data: hostileText, headers: headerMap },
  { requiredKeys: ["action"] },
);

const matchOptions = fc.dictionary(hostileText, fc.record({ match_rx: pattern, reverse: fc.boolean() }, { requiredKeys: ["match_rx"] }), { maxKeys: 2 });
const trigger = fc.record({
  on: fc.constantFrom("any", "all", ""),
  options: fc.record(
    {
      header_matches: matchOptions,
      query_val_matches: matchOptions,
      path_part_matches: matchOptions,
      session_meta_matches: matchOptions,
      request_context_matches: matchOptions,
      payload_matches: fc.record({ match_rx: pattern }),
    },
    { requiredKeys: [] },
  ),
  rewrite_to: rewriteTo,
});

const jsonSchema = mostly(
  fc.constantFrom(
    { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
    { type: "array", items: { type: "integer", maximum: 3 } },
    { type: "string", pattern: "^a" },
    {},
  ),
  fc.oneof(fc.constant({ $ref: "#/definitions/missing" }), fc.constant({ type: "string", pattern: "(" }), fc.jsonValue({ maxDepth: 2 })),
);
const integer = (min: number, max: number) => mostly(fc.integer({ min: Math.max(0, min), max }), fc.oneof(fc.integer({ min, max }), fc.double()));
const goDuration = mostly(fc.constantFrom("", "0s", "1s", "500ms", "2s", "1m"), fc.oneof(fc.constantFrom("1", "-1s", "1h2x"), fc.integer()));

/** A few of the given fields, each from its own arbitrary: a definition uses a handful of features, not all at once. */
function someOf(fields: Record<string, fc.Arbitrary<Json>>, maxKeys: number): fc.Arbitrary<Record<string, Json>> {
  const names = Object.keys(fields);
  return fc
    .uniqueArray(fc.constantFrom(...names), { maxLength: maxKeys })
    .chain((chosen) => fc.record(Object.fromEntries(chosen.map((name) => [name, fields[name]!]))) as fc.Arbitrary<Record<string, Json>>);
}

const list = <T>(entry: fc.Arbitrary<T>, maxLength = 2) => fc.array(entry, { minLength: 1, maxLength });
const headerEdits = { delete_headers: fc.array(headerName, { maxLength: 2 }), add_headers: headerMap };

/** Every `extended_paths` list Portcullis reads, each with plausible entries. */
const extendedPaths = someOf(
  {
    ignored: list(endpoint({ ignore_case: fc.boolean(), method_actions: fc.dictionary(methods, methodAction, { maxKeys: 2 }) })),
    white_list: list(endpoint({ method_actions: fc.dictionary(methods, methodAction, { maxKeys: 2 }) })),
    black_list: list(endpoint({ method_actions: fc.dictionary(methods, methodAction, { maxKeys: 1 }) })),
    size_limits: list(endpoint({ size_limit: integer(-1, 100) })),
    transform_headers: list(endpoint({ ...headerEdits, act_on: fc.boolean() })),
    transform_response_headers: list(endpoint(headerEdits)),
    method_transforms: list(endpoint({ to_method: methods })),
    url_rewrites: list(endpoint({ match_pattern: pattern, rewrite_to: rewriteTo, triggers: fc.array(trigger, { maxLength: 2 }) })),
    circuit_breakers: list(
      endpoint({
        threshold_percent: mostly(fc.double({ min: 0, max: 1, noNaN: true }), fc.double()),
        samples: integer(-1, 5),
        return_to_service_after: integer(-1, 2),
      }),
      1,
    ),
    hard_timeouts: list(endpoint({ timeout: integer(-1, 2) }), 1),
    validate_json: list(endpoint({ schema: jsonSchema, error_response_code: status }), 1),
    rate_limit: list(endpoint({ rate: integer(-1, 1000), per: integer(-1, 60) }), 1),
    track_endpoints: list(endpoint({}), 1),
    do_not_track_endpoints: list(endpoint({}), 1),
  },
  3,
);

const versionFields = someOf(
  {
    expires: mostly(fc.constantFrom("", "2000-01-01 00:00", "2999-01-01 00:00"), fc.constantFrom("not a date", "-1")),
    paths: fc.record({
      ignored: fc.array(endpointPath, { maxLength: 2 }),
      white_list: fc.array(endpointPath, { maxLength: 1 }),
      black_list: fc.array(endpointPath, { maxLength: 2 }),
    }),
    global_headers: headerMap,
    global_headers_remove: fc.array(headerName, { maxLength: 2 }),
    global_response_headers: headerMap,
    global_response_headers_remove: fc.array(headerName, { maxLength: 2 }),
    global_size_limit: integer(-1, 64),
    global_enforce_timeout: goDuration,
    override_target: fc.constantFrom("", "http://upstream/override"),
  },
  2,
);

const version = fc
  .tuple(mostly(fc.constant("Default"), hostileText), mostly(fc.constant(true), fc.constant(false)), extendedPaths, versionFields)
  .map(([name, useExtended, paths, fields]) => ({ name, use_extended_paths: useExtended, extended_paths: paths, ...fields }));

const versionData = fc.oneof(
  { arbitrary: fc.record({ not_versioned: fc.constant(true), versions: fc.record({ Default: version }) }), weight: 4 },
  {
    arbitrary: fc.record({
      not_versioned: fc.boolean(),
      default_version: mostly(fc.constant("v1"), hostileText),
      versions: fc.dictionary(mostly(fc.constantFrom("v1", "v2", "Default"), hostileText), version, { minKeys: 1, maxKeys: 2 }),
    }),
    weight: 1,
  },
);

const authSwitches = fc.oneof(
  { arbitrary: fc.constant({ use_keyless: true }), weight: 6 },
  { arbitrary: fc.constant({ use_keyless: false, use_standard_auth: true }), weight: 1 },
  { arbitrary: fc.constant({ use_keyless: false, use_basic_auth: true }), weight: 1 },
  { arbitrary: fc.constant({ use_keyless: false, enable_jwt: true, jwt_signing_method: "hmac", jwt_source: btoa("secret") }), weight: 1 },
  { arbitrary: fc.constant({ use_keyless: false, enable_signature_checking: true }), weight: 1 },
);

const ipEntry = (valid: fc.Arbitrary<string>) => mostly(valid, fc.oneof(fc.constantFrom("300.1.1.1", "1.2.3.4/33"), hostileText));

const topLevel = someOf(
  {
    CORS: fc.record(
      {
        enable: fc.boolean(),
        allowed_origins: fc.array(mostly(fc.constantFrom("*", "http://gateway.test", "http://*.test"), hostileText), { maxLength: 2 }),
        allowed_methods: fc.array(methods, { maxLength: 2 }),
        allowed_headers: fc.array(headerName, { maxLength: 2 }),
        exposed_headers: fc.array(headerName, { maxLength: 2 }),
        allow_credentials: fc.boolean(),
        max_age: integer(-1, 100),
        options_passthrough: fc.boolean(),
      },
      { requiredKeys: ["enable"] },
    ),
    enable_ip_whitelisting: fc.boolean(),
    allowed_ips: fc.array(ipEntry(fc.constantFrom("127.0.0.1", "10.0.0.0/8", "::1", "0.0.0.0/0")), { maxLength: 2 }),
    enable_ip_blacklisting: fc.boolean(),
    blacklisted_ips: fc.array(ipEntry(fc.constantFrom("127.0.0.1", "192.168.0.0/16", "::ffff:127.0.0.1")), { maxLength: 2 }),
    global_rate_limit: fc.record({ rate: integer(-1, 1000), per: integer(-1, 60), disabled: fc.boolean() }),
    disable_rate_limit: fc.boolean(),
    disable_quota: fc.boolean(),
    enable_context_vars: fc.boolean(),
    strip_auth_data: fc.boolean(),
    do_not_track: fc.boolean(),
    tag_headers: fc.array(headerName, { maxLength: 2 }),
    definition: fc.record({
      location: mostly(fc.constantFrom("header", "url-param", "url", ""), fc.constant("cookie")),
      key: mostly(fc.constantFrom("x-api-version", "version", "v"), hostileText),
      strip_path: fc.boolean(),
    }),
    domain: mostly(fc.constantFrom("", "gateway.test", "other.test", "GATEWAY.TEST", "gateway.test:80"), hostileText),
    expiration: mostly(fc.constantFrom("", "2000-01-01 00:00", "2999-01-01 00:00"), fc.constant("soon")),
    active: mostly(fc.constant(true), fc.constant(false)),
    session_lifetime: integer(-1, 100),
    tags: fc.array(hostileText, { maxLength: 2 }),
  },
  4,
);

/** Where a mutation may land: every field something honours or the catalogue names, `*` made concrete. */
const knownFields: readonly string[] = [
  ...coreHonours,
  ...pipeline.flatMap((feature) => feature.honours),
  ...unsupportedFeatures.flatMap((feature) => feature.fields),
];

/** Any JSON, with hostile text and edge numbers in it. */
export const anyJson: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  hostileText,
  fc.constantFrom(null, true, false, 0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.5, [], {}, [null], { "": null }),
);

function setAt(target: Definition, path: string, versionName: string, value: Json): void {
  const segments = path.split(".").map((segment) => (segment === "*" ? versionName : segment));
  let node: Record<string, Json> = target;
  for (const [index, segment] of segments.entries()) {
    if (index === segments.length - 1) {
      node[segment] = value;
      return;
    }
    const next = node[segment];
    if (typeof next !== "object" || next === null) node[segment] = {};
    node = node[segment] as Record<string, Json>;
  }
}

const mutation = fc.record({ path: fc.constantFrom(...knownFields), value: anyJson });

export interface DefinitionShape {
  /** Becomes `api_id` after the prefix the test needs. */
  idSuffix: string;
  /** Appended to the listen path the test assigns. */
  listenSuffix: string;
  fields: Definition;
  mutations: { path: string; value: Json }[];
}

/** The random part of a definition; `definitionFrom` adds the id, listen path and upstream the test needs. */
export const definitionShapes: fc.Arbitrary<DefinitionShape> = fc.record({
  idSuffix: fc.oneof({ arbitrary: fc.constant(""), weight: 4 }, { arbitrary: hostileId, weight: 1 }),
  listenSuffix: fc.oneof({ arbitrary: fc.constant(""), weight: 4 }, { arbitrary: fc.constantFrom("{id}/", "é/", "a b/", "%2F/", "x"), weight: 1 }),
  fields: fc.tuple(authSwitches, topLevel, versionData).map(([auth, top, versions]): Definition => ({ ...auth, ...top, version_data: versions })),
  mutations: fc.oneof(
    { arbitrary: fc.constant<DefinitionShape["mutations"]>([]), weight: 2 },
    { arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }), weight: 1 },
  ),
});

/** A whole definition: the shape's fields around the given id, listen path and upstream, mutations last. */
export function definitionFrom(shape: DefinitionShape, apiId: string, listenPath: string, target: string): Definition {
  const definition: Definition = structuredClone({
    api_id: `${apiId}${shape.idSuffix}`,
    name: apiId,
    org_id: "default",
    ...shape.fields,
    proxy: { listen_path: `${listenPath}${shape.listenSuffix}`, target_url: target, strip_listen_path: true },
  });
  const versions = definition["version_data"] as { versions?: Record<string, unknown> };
  const versionName = Object.keys(versions.versions ?? {})[0] ?? "Default";
  for (const { path, value } of shape.mutations) setAt(definition, path, versionName, structuredClone(value));
  return definition;
}

/**
 * Keeps every URL in the definition on the echo upstream: any string that
 * resolves to another host becomes the upstream itself, so no fuzzed
 * definition sends a request off this machine.
 */
export function onLoopback(value: Json, upstream: string): Json {
  if (typeof value === "string") {
    if (!/[:\\/]/.test(value)) return value;
    try {
      const resolved = new URL(value, upstream);
      return resolved.origin === new URL(upstream).origin || !/^(https?|wss?):$/.test(resolved.protocol) ? value : upstream;
    } catch {
      return value;
    }
  }
  if (Array.isArray(value)) return value.map((item) => onLoopback(item, upstream));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, onLoopback(item, upstream)]));
  }
  return value;
}
