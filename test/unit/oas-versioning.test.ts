import { describe, expect, it } from "vitest";
import { compileDefinition } from "../../src/compile";
import { parseGatewayConfig } from "../../src/config";
import { convertOas } from "../../src/oas/to-classic";
import { parseOasDocument } from "../../src/oas/document";
import { decideVersion, isInternalApi, requestedVersion, versionTargetProblems, versioningToClassic, type VersionRouting } from "../../src/oas/versioning";

const config = parseGatewayConfig({ TYK_GW_SECRET: "secret" });

function routing(overrides: Partial<VersionRouting> = {}): VersionRouting {
  return {
    name: "v1",
    defaultVersion: "",
    location: "header",
    key: "x-api-version",
    versions: new Map([
      ["v2", "api-v2"],
      ["v3", "api-v3"],
    ]),
    fallbackToDefault: false,
    strip: false,
    urlPattern: null,
    ...overrides,
  };
}

const loaded = (apiId: string) => apiId === "api-v2";

function oasDocument(tyk: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    openapi: "3.0.3",
    info: { title: "t", version: "1" },
    paths: {},
    "x-tyk-api-gateway": {
      info: { id: "base", name: "base", state: { active: true } },
      upstream: { url: "http://127.0.0.1:1" },
      server: { listenPath: { value: "/base/", strip: true } },
      ...tyk,
    },
  };
}

describe("which version a request names", () => {
  const none = new URLSearchParams();
  const noHeaders = new Headers();

  it("reads the header or the query parameter, and says whether to strip it", () => {
    const headers = new Headers({ "x-api-version": "v2" });
    expect(requestedVersion(routing(), headers, none, "/a")).toEqual({ name: "v2", path: "/a", dropHeader: false, dropQueryParam: false });
    expect(requestedVersion(routing({ strip: true }), headers, none, "/a").dropHeader).toBe(true);
    const query = new URLSearchParams("version=v3");
    expect(requestedVersion(routing({ location: "url-param", key: "version", strip: true }), noHeaders, query, "/a")).toEqual({
      name: "v3",
      path: "/a",
      dropHeader: false,
      dropQueryParam: true,
    });
  });

  it("reads the first non-empty path segment; strips `<version>/` once, when the pattern matches", () => {
    const url = routing({ location: "url", strip: true });
    expect(requestedVersion(url, noHeaders, none, "/v2/items/v2/x")).toMatchObject({ name: "v2", path: "/items/v2/x" });
    expect(requestedVersion(url, noHeaders, none, "//v2/items")).toMatchObject({ name: "v2", path: "//items" });
    // Tyk removes "v2/": with nothing after the segment there is nothing to remove.
    expect(requestedVersion(url, noHeaders, none, "/v2")).toMatchObject({ name: "v2", path: "/v2" });
    expect(requestedVersion({ ...url, urlPattern: /^v\d+$/ }, noHeaders, none, "/items/7")).toMatchObject({ name: "items", path: "/items/7" });
    expect(requestedVersion({ ...url, strip: false }, noHeaders, none, "/v2/items")).toMatchObject({ name: "v2", path: "/v2/items" });
    expect(requestedVersion(url, noHeaders, none, "/")).toMatchObject({ name: "", path: "/" });
  });
});

describe("which API serves a versioned request (Tyk's VersionCheck)", () => {
  it("the base for its own name, `self`, or no version when the default is the base", () => {
    expect(decideVersion(routing(), "v1", loaded)).toEqual({ serve: "base" });
    expect(decideVersion(routing(), "self", loaded)).toEqual({ serve: "base" });
    expect(decideVersion(routing({ defaultVersion: "v1" }), "", loaded)).toEqual({ serve: "base" });
    // A base without a name counts an empty version as its own, as Tyk compares the names.
    expect(decideVersion(routing({ name: "" }), "", loaded)).toEqual({ serve: "base" });
  });

  it("the version's API when it is served", () => {
    expect(decideVersion(routing(), "v2", loaded)).toEqual({ serve: "version", apiId: "api-v2" });
    expect(decideVersion(routing({ defaultVersion: "v2" }), "", loaded)).toEqual({ serve: "version", apiId: "api-v2" });
  });

  it("Tyk's refusals: no version 403, unknown or not served 404", () => {
    expect(decideVersion(routing(), "", loaded)).toEqual({ serve: "refusal", status: 403, message: "Version information not found" });
    for (const name of ["v9", "v3"]) {
      expect(decideVersion(routing(), name, loaded)).toEqual({ serve: "refusal", status: 404, message: "This API version does not seem to exist" });
    }
  });

  it("falls back to the default: the base, its API, or a bare 500 when the default's API is not there", () => {
    expect(decideVersion(routing({ fallbackToDefault: true, defaultVersion: "v1" }), "v9", loaded)).toEqual({ serve: "base" });
    expect(decideVersion(routing({ fallbackToDefault: true, defaultVersion: "v2" }), "v3", loaded)).toEqual({ serve: "version", apiId: "api-v2" });
    for (const defaultVersion of ["v3", "v8"]) {
      expect(decideVersion(routing({ fallbackToDefault: true, defaultVersion }), "v9", loaded)).toEqual({
        serve: "refusal",
        status: 500,
        message: "Internal Server Error",
      });
    }
  });
});

describe("Tyk OAS info.versioning in the classic form", () => {
  it("maps to Tyk's classic `definition` (versions by name → API id)", () => {
    expect(
      versioningToClassic({
        enabled: true,
        name: "v1",
        default: "v1",
        location: "url",
        key: "",
        versions: [{ name: "v2", id: "api-v2" }],
        stripVersioningData: true,
        fallbackToDefault: true,
        urlVersioningPattern: "^v\\d+$",
      }),
    ).toEqual({
      enabled: true,
      name: "v1",
      default: "v1",
      location: "url",
      key: "",
      versions: { v2: "api-v2" },
      strip_versioning_data: true,
      fallback_to_default: true,
      url_versioning_pattern: "^v\\d+$",
    });
  });

  it("is honoured: no unmapped field and no manifest warning", () => {
    const document = oasDocument({
      info: {
        id: "base",
        name: "base",
        state: { active: true },
        versioning: {
          enabled: true,
          name: "v1",
          default: "v1",
          location: "header",
          key: "x-v",
          versions: [{ name: "v2", id: "api-v2" }],
          fallbackToDefault: true,
        },
      },
    });
    const parsed = parseOasDocument(document);
    if (!parsed.ok) throw new Error("invalid document");
    expect(convertOas(parsed.document).unmapped).toEqual([]);
    const result = compileDefinition(document, config);
    if (!result.ok) throw new Error(result.error);
    expect(result.warnings).toEqual([]);
    expect(result.api.chain.slice(0, 1)).toEqual(["VersionDispatch"]);
    expect(result.api.chain).toContain("VersionRefusal");
  });

  it("an internal API is served (through a base), no longer refused", () => {
    const result = compileDefinition(oasDocument({ info: { id: "child", name: "child", state: { active: true, internal: true } } }), config);
    if (!result.ok) throw new Error(result.error);
    expect(result.api.notServed).toEqual([]);
    expect(result.api.chain).not.toContain("VersionDispatch");
  });

  it("still reports fallback and URL pattern set for `version_data` versioning, where they are not acted on", () => {
    const classic = {
      api_id: "classic",
      name: "classic",
      use_keyless: true,
      proxy: { listen_path: "/classic/", target_url: "http://127.0.0.1:1" },
      definition: { location: "url", strip_versioning_data: true, fallback_to_default: true, url_versioning_pattern: "^v\\d+$" },
      version_data: { not_versioned: false, default_version: "v1", versions: { v1: { name: "v1" } } },
    };
    const result = compileDefinition(classic, config);
    if (!result.ok) throw new Error(result.error);
    expect(result.warnings.map((warning) => warning.field).sort()).toEqual(["definition.fallback_to_default", "definition.url_versioning_pattern"]);
  });
});

describe("internal APIs and the versions a definition names", () => {
  it("tells an internal API in either format", () => {
    expect(isInternalApi({ api_id: "a", internal: true })).toBe(true);
    expect(isInternalApi({ api_id: "a" })).toBe(false);
    expect(isInternalApi(oasDocument({ info: { id: "c", name: "c", state: { active: true, internal: true } } }))).toBe(true);
    expect(isInternalApi(oasDocument())).toBe(false);
  });

  it("reports a version whose API is not served, and a classic API under a Tyk OAS base", () => {
    const base = oasDocument({
      info: {
        id: "base",
        name: "base",
        state: { active: true },
        versioning: {
          enabled: true,
          name: "v1",
          location: "header",
          versions: [
            { name: "v2", id: "classic-child" },
            { name: "v3", id: "gone" },
          ],
        },
      },
    });
    const documents = new Map<string, unknown>([
      ["base", base],
      ["classic-child", { api_id: "classic-child" }],
    ]);
    expect(versionTargetProblems(documents, new Set(["base", "classic-child"]))).toEqual([
      { apiId: "base", version: "v2", problem: 'names API "classic-child", a classic definition under a Tyk OAS base' },
      { apiId: "base", version: "v3", problem: 'names API "gone", which is not served' },
    ]);
  });
});
