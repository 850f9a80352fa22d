import { beforeAll, describe, expect, it } from "vitest";
import { accessRightsFor, admin, protectedApi } from "../support/admin";
import { gateway, keylessApi, loadApis, store } from "../support/gateway";
import { accessTo, createKey } from "../support/keys";

/*
 * Issue 16, finding 4: a pattern JavaScript's backtracking engine cannot run
 * in linear time (`/(a+)+b` took 2.3 s on a 28-character path and stalled
 * the isolate) is refused wherever it can come from — definitions, keys and
 * policies through the Gateway API, and stored documents at load or request
 * time — and every pattern that is accepted answers long hostile paths at once.
 */

const withVersion = (id: string, version: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  keylessApi({
    api_id: id,
    name: id,
    proxy: { listen_path: `/${id}/` },
    version_data: { not_versioned: true, versions: { Default: { name: "Default", use_extended_paths: true, ...version } } },
    ...extra,
  });

const paths = (extended_paths: Record<string, unknown>) => ({ extended_paths });
const trigger = (options: Record<string, unknown>) => ({
  url_rewrites: [{ path: "/r", method: "GET", match_pattern: "^/r$", rewrite_to: "/x", triggers: [{ on: "any", options, rewrite_to: "/y" }] }],
});
const basicAuth = {
  use_keyless: false,
  use_basic_auth: true,
  basic_auth: { extract_from_body: true, body_user_regexp: "^(\\w+|\\w+)*$", body_password_regexp: "p=(\\w+)" },
};

/** Definitions with one unsafe pattern each, the field the 400 must name, and the construct. */
const unsafeDefinitions: [name: string, definition: Record<string, unknown>, field: string, construct: string][] = [
  ["a black_list path", withVersion("bl", paths({ black_list: [{ path: "/(a+)+b" }] })), "extended_paths.black_list.0.path", '"(a+)+"'],
  [
    "an ignore_case white_list path",
    withVersion("wl", paths({ white_list: [{ path: "/x/a*A*y", ignore_case: true }] })),
    "extended_paths.white_list.0.path",
    '"A*"',
  ],
  ["a legacy paths entry", withVersion("lg", { use_extended_paths: false, paths: { ignored: ["/(a|a)*"] } }), "paths.ignored.0", '"(a|a)*"'],
  [
    "a url_rewrites match_pattern",
    withVersion("rw", paths({ url_rewrites: [{ path: "/r", method: "GET", match_pattern: "(\\w+)/(\\w+)", rewrite_to: "/$1" }] })),
    "extended_paths.url_rewrites.0.match_pattern",
    '"\\w+"',
  ],
  [
    "a trigger's header_matches",
    withVersion("hm", paths(trigger({ header_matches: { "X-Tenant": { match_rx: "^(a*)*$" } } }))),
    "triggers.0.options.header_matches.X-Tenant.match_rx",
    '"(a*)*"',
  ],
  [
    "a trigger's payload_matches",
    withVersion("pm", paths(trigger({ payload_matches: { match_rx: "(a)\\1" } }))),
    "options.payload_matches.match_rx",
    "back-reference",
  ],
  ["a size_limits path", withVersion("sl", paths({ size_limits: [{ path: "^/u/.*.*x", method: "POST", size_limit: 10 }] })), "size_limits.0.path", '".*"'],
  ["a basic auth body regexp", withVersion("ba", {}, basicAuth), "basic_auth.body_user_regexp", '"(\\w+|\\w+)*"'],
  ["a listen_path with {param} segments", keylessApi({ api_id: "lp", proxy: { listen_path: "/{a}{b}{c}x/" } }), "proxy.listen_path", '"[^/]+"'],
  [
    "a validate_json schema pattern",
    withVersion("vj", paths({ validate_json: [{ path: "/p", method: "POST", schema: { type: "string", pattern: "^(a|a)+$" } }] })),
    "validate_json.0.schema",
    '"(a|a)+"',
  ],
];

describe("unsafe patterns in API definitions", () => {
  it.each(unsafeDefinitions)("%s is refused by POST /tyk/apis with a 400 naming the field and the construct", async (_name, definition, field, construct) => {
    const reply = await admin("POST", "/apis", definition);
    expect(reply.status).toBe(400);
    const message = (reply.body as { message: string }).message;
    expect(message).toContain(field);
    expect(message).toContain(construct);
    expect(await store().get("apis", String(definition.api_id))).toBeNull();
  });

  it("is skipped when met in the store at load, and the other APIs are still served", async () => {
    await loadApis(withVersion("stored-unsafe", paths({ black_list: [{ path: "/(a+)+b" }] })), withVersion("neighbour", {}));
    const started = Date.now();
    const response = await gateway(`/stored-unsafe/${"a".repeat(28)}`);
    expect(response.status).toBe(404);
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await gateway("/neighbour/x")).status).toBe(200);
  });
});

describe("unsafe patterns in keys and policies", () => {
  beforeAll(async () => {
    await loadApis(protectedApi("secure"));
  });

  it("refuses a key whose allowed_urls pattern can backtrack, naming the access right", async () => {
    const rights = accessRightsFor("secure");
    const secure = rights["secure"] as Record<string, unknown>;
    const reply = await admin("POST", "/keys/create", {
      org_id: "default",
      access_rights: { secure: { ...secure, allowed_urls: [{ url: "/(a+)+b", methods: ["GET"] }] } },
    });
    expect(reply.status).toBe(400);
    expect((reply.body as { message: string }).message).toContain('access_rights.secure.allowed_urls.0.url: "(a+)+" can match');
  });

  it("refuses a policy whose endpoint rate-limit path uses a back-reference, and stores nothing", async () => {
    const rights = accessRightsFor("secure");
    const endpoints = [{ path: "/(x)\\1", methods: [{ name: "GET", limit: { rate: 1, per: 1 } }] }];
    const reply = await admin("POST", "/policies", { id: "unsafe-policy", access_rights: { secure: { ...(rights["secure"] as object), endpoints } } });
    expect(reply.status).toBe(400);
    expect((reply.body as { message: string }).message).toContain('access_rights.secure.endpoints.0.path: back-reference "\\1" is not allowed');
    expect(await store().get("policies", "unsafe-policy")).toBeNull();
  });

  it("answers a stored key's unsafe allowed_urls pattern with a fast 403, never running it", async () => {
    const key = await createKey(accessTo("secure", { allowed_urls: [{ url: "/(a+)+b", methods: [] }] }));
    const started = Date.now();
    const response = await gateway(`/secure/${"a".repeat(40)}`, { headers: { authorization: key } });
    expect(response.status).toBe(403);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("accepted patterns on long hostile paths", () => {
  beforeAll(async () => {
    await loadApis(
      withVersion(
        "patterns",
        paths({
          white_list: [{ path: "/users/{id}" }, { path: "/files/*" }, { path: "validate" }, { path: "/(a)+c" }, { path: "^/w/\\w+@x$", ignore_case: true }],
          black_list: [{ path: "/secret/.*" }],
          url_rewrites: [{ path: "/files/*", method: "GET", match_pattern: "/(\\w+)/(\\w+)", rewrite_to: "/rewritten/$2" }],
        }),
      ),
    );
  });

  const hostile = ["a".repeat(28), "a".repeat(8000), `${"a".repeat(4000)}!`, "aaaa/".repeat(1500), `w/${"a".repeat(6000)}`, `files/${"ab/".repeat(2000)}!`];

  it.each(hostile.map((path) => [path.length, path]))("answers a %i-character path in well under a second", async (_length, path) => {
    const started = Date.now();
    const response = await gateway(`/patterns/${path}`);
    expect([200, 403]).toContain(response.status);
    await response.arrayBuffer();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("still applies the accepted patterns", async () => {
    expect((await gateway("/patterns/users/7")).status).toBe(200);
    expect((await gateway("/patterns/aaac")).status).toBe(200);
    expect((await gateway("/patterns/secret/x")).status).toBe(403);
    expect((await gateway(`/patterns/${"a".repeat(28)}`)).status).toBe(403);
  });
});
