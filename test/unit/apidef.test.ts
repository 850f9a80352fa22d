import { describe, expect, it } from "vitest";
import { parseTykExpiry } from "../../src/apidef/compile";
import { compileDefinition } from "../../src/compile";
import { parseGatewayConfig } from "../../src/config";
import { compileListenPath, compilePathPattern } from "../../src/apidef/paths";
import { RouteTable } from "../../src/apidef/route-table";

const minimal = { api_id: "a", proxy: { listen_path: "/a/", target_url: "http://upstream.test" } };

const config = parseGatewayConfig({});

function parseApiDefinition(raw: Record<string, unknown>) {
  const result = compileDefinition(raw, config);
  return result.ok ? { ok: true as const, definition: raw } : result;
}

function compiled(overrides: Record<string, unknown>) {
  const result = compileDefinition({ ...minimal, ...overrides }, config);
  if (!result.ok) throw new Error(result.error);
  return result.api;
}

describe("API definition schema", () => {
  it("keeps fields it does not know", () => {
    const parsed = parseApiDefinition({ ...minimal, enable_batch_request_support: true, proxy: { ...minimal.proxy, transport: { proxy_url: "x" } } });
    expect(parsed.ok && parsed.definition).toMatchObject({ enable_batch_request_support: true, proxy: { transport: { proxy_url: "x" } } });
  });

  it("names the field path of every error", () => {
    const parsed = parseApiDefinition({
      api_id: "",
      proxy: { listen_path: "/x/", target_url: "nope" },
      version_data: { not_versioned: true, versions: { v1: { extended_paths: { white_list: [{ path: "/(" }] } } } },
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error).toContain("api_id: must not be empty");
    expect(parsed.error).toContain("proxy.target_url: must be an absolute URL");
    expect(parsed.error).toContain("version_data.versions.v1.extended_paths.white_list.0.path:");
  });

  it("treats a definition without version_data as unversioned, and one with it as versioned unless it says otherwise", () => {
    expect(compiled({}).versioning.enabled).toBe(false);
    expect(compiled({ version_data: { versions: { v1: {} } } }).versioning.enabled).toBe(true);
  });

  it("builds each API's chain from the features it uses", () => {
    expect(compiled({}).chain).toEqual([
      "VersionCheck",
      "Authentication",
      "ApplyPolicies",
      "KeyExpired",
      "AccessRights",
      "GranularAccess",
      "RateLimitAndQuotaCheck + RateLimitForAPI",
      "ReverseProxy",
    ]);
    expect(compiled({ use_keyless: true }).chain).toEqual(["VersionCheck", "ReverseProxy"]);
    expect(compiled({ use_keyless: true, global_rate_limit: { rate: 5, per: 1 }, strip_auth_data: true }).chain).toEqual([
      "VersionCheck",
      "RateLimitAndQuotaCheck + RateLimitForAPI",
      "ReverseProxy",
    ]);
    const rewritten = {
      version_data: { not_versioned: true, versions: { Default: { extended_paths: { url_rewrites: [{ path: "/a", match_pattern: "a", rewrite_to: "b" }] } } } },
    };
    expect(compiled({ use_keyless: true, ...rewritten }).chain).toContain("URLRewriteMiddleware");
  });
});

describe("paths", () => {
  it("anchors endpoint patterns and lets {param} match one segment", () => {
    const pattern = compilePathPattern("/users/{id}");
    expect(pattern.test("/users/7")).toBe(true);
    expect(pattern.test("/users/7/")).toBe(true);
    expect(pattern.test("/users/7/orders")).toBe(false);
    expect(pattern.test("/api/users/7")).toBe(false);
  });

  it("anchors at the start only a pattern that starts with / or ^, as Tyk does", () => {
    expect(compilePathPattern("validate").test("/validate")).toBe(true);
    expect(compilePathPattern("validate").test("/v1/validate")).toBe(true);
    expect(compilePathPattern("validate").test("/validate/more")).toBe(false);
    expect(compilePathPattern("^/exact").test("/exact")).toBe(true);
    expect(compilePathPattern("^/exact").test("/x/exact")).toBe(false);
    expect(compilePathPattern(".*").test("/anything/at/all")).toBe(true);
  });

  it("reads Tyk's mux wildcards: /*/ is one segment, a trailing /* the rest of the path", () => {
    expect(compilePathPattern("/files/*").test("/files/a/b.txt")).toBe(true);
    expect(compilePathPattern("/files/*").test("/other/a")).toBe(false);
    expect(compilePathPattern("/a/*/c").test("/a/b/c")).toBe(true);
    expect(compilePathPattern("/a/*/c").test("/a/b/x/c")).toBe(false);
  });

  it("matches listen paths on segment boundaries and returns the consumed length", () => {
    const match = compileListenPath("/orders/");
    expect(match("/orders")).toBe(7);
    expect(match("/orders/1")).toBe(7);
    expect(match("/ordersx")).toBe(-1);
    expect(compileListenPath("/t/{tenant}/")("/t/acme/x")).toBe(7);
  });

  it("reads Tyk's expiry format as UTC and treats anything else as never", () => {
    expect(parseTykExpiry("2030-01-02 15:04")).toBe(Date.UTC(2030, 0, 2, 15, 4));
    expect(parseTykExpiry("")).toBeNull();
    expect(parseTykExpiry("soon")).toBeNull();
  });
});

describe("route table", () => {
  const apis = [
    compiled({ api_id: "root", proxy: { listen_path: "/", target_url: "http://u.test" } }),
    compiled({ api_id: "deep", proxy: { listen_path: "/a/b/", target_url: "http://u.test" } }),
    compiled({ api_id: "dom", domain: "Example.COM", proxy: { listen_path: "/", target_url: "http://u.test" } }),
  ];

  it("orders domain-bound APIs first, then longer listen paths", () => {
    const table = new RouteTable(apis, true);
    expect(table.match("example.com", "/a/b/c")?.api.id).toBe("dom");
    expect(table.match("other.test", "/a/b/c")?.api.id).toBe("deep");
    expect(table.match("other.test", "/z")?.api.id).toBe("root");
  });

  it("ignores domains when custom domains are off", () => {
    expect(new RouteTable(apis, false).match("example.com", "/a/b/c")?.api.id).toBe("deep");
  });
});
