import { beforeAll, describe, expect, it } from "vitest";
import { byAgent, recordsMatching, uniqueAgent } from "../analytics/support/records";
import { echoOf, gateway, reload, store, tykError, upstreamUrl } from "../support/gateway";
import { accessTo, createKey } from "../support/keys";

/*
 * Tyk OAS versioning (`info.versioning`): versions are separate APIs. A
 * request to the base's listen path naming a version is served by that
 * version's API with its own chain (upstream, auth, analytics); the base
 * answers Tyk's errors for a missing or unknown version; internal versions
 * have no route of their own. Each upstream is the echo server under its own
 * path prefix, so the echoed path tells which API proxied the request.
 */

type Json = Record<string, unknown>;

interface ApiOptions {
  id: string;
  listenPath: string;
  internal?: boolean;
  versioning?: Json;
  /** A header token scheme (X-Token): the API is not keyless. */
  token?: boolean;
}

function oasApi({ id, listenPath, internal = false, versioning, token = false }: ApiOptions): Json {
  return {
    openapi: "3.0.3",
    info: { title: id, version: "1.0.0" },
    paths: {},
    ...(token ? { security: [{ token: [] }], components: { securitySchemes: { token: { type: "apiKey", in: "header", name: "X-Token" } } } } : {}),
    "x-tyk-api-gateway": {
      info: { id, name: id, state: { active: true, internal }, ...(versioning ? { versioning } : {}) },
      upstream: { url: `${upstreamUrl()}/${id}` },
      server: {
        listenPath: { value: listenPath, strip: true },
        ...(token ? { authentication: { enabled: true, securitySchemes: { token: { enabled: true } } } } : {}),
      },
    },
  };
}

async function putDocuments(...documents: Json[]): Promise<void> {
  const kv = store();
  for (const id of await kv.listIds("apis")) await kv.delete("apis", id);
  for (const document of documents) await kv.put("apis", String(((document["x-tyk-api-gateway"] as Json).info as Json).id), document);
  await reload();
}

/** Which upstream answered (the API id is the first segment of the echoed path) and what it received. */
async function servedBy(response: Response): Promise<{ api: string; path: string; headers: Record<string, string | undefined> }> {
  const echo = await echoOf(response);
  const [, api = "", ...rest] = echo.path.split("/");
  return { api, path: `/${rest.join("/")}`, headers: echo.headers };
}

const versions = [
  { name: "v2", id: "shop-v2" },
  { name: "v3", id: "shop-v3-missing" },
];

const shopV2 = oasApi({ id: "shop-v2", listenPath: "/shop-v2/", internal: true, token: true });
const shopV4 = oasApi({ id: "shop-v4", listenPath: "/shop-v4/" });

describe("Tyk OAS versioning: header location", () => {
  const base = oasApi({
    id: "shop",
    listenPath: "/shop/",
    versioning: {
      enabled: true,
      name: "v1",
      default: "v1",
      location: "header",
      key: "x-api-version",
      versions: [...versions, { name: "v4", id: "shop-v4" }],
      stripVersioningData: true,
    },
  });
  let key = "";

  beforeAll(async () => {
    await putDocuments(base, shopV2, shopV4);
    key = await createKey(accessTo("shop-v2"));
  });

  it("serves the base itself for its own version name, for `self`, and for a request naming none (the default is the base)", async () => {
    for (const headers of [{ "x-api-version": "v1" }, { "x-api-version": "self" }, {}] as Record<string, string>[]) {
      const served = await servedBy(await gateway("/shop/items?q=1", { headers }));
      expect(served).toMatchObject({ api: "shop", path: "/items?q=1" });
      expect(served.headers["x-api-version"]).toBeUndefined();
    }
  });

  it("hands a request naming another version to that API: its upstream, with the version header stripped", async () => {
    const served = await servedBy(await gateway("/shop/items", { headers: { "x-api-version": "v2", "x-token": key } }));
    expect(served).toMatchObject({ api: "shop-v2", path: "/items" });
    expect(served.headers["x-api-version"]).toBeUndefined();
  });

  it("runs the version's own authentication", async () => {
    const missing = await gateway("/shop/items", { headers: { "x-api-version": "v2" } });
    expect(missing.status).toBe(401);
    expect(await tykError(missing)).toBe("Authorization field missing");
    const wrong = await gateway("/shop/items", { headers: { "x-api-version": "v2", "x-token": "not-a-key" } });
    expect(wrong.status).toBe(403);
    await wrong.arrayBuffer();
  });

  it("serves a version that is not internal on its own listen path too", async () => {
    expect(await servedBy(await gateway("/shop/items", { headers: { "x-api-version": "v4" } }))).toMatchObject({ api: "shop-v4", path: "/items" });
    expect(await servedBy(await gateway("/shop-v4/items"))).toMatchObject({ api: "shop-v4", path: "/items" });
  });

  it("does not route to an internal version's own listen path (Tyk's 404)", async () => {
    const response = await gateway("/shop-v2/items", { headers: { "x-token": key } });
    expect(response.status).toBe(404);
    expect(await response.text()).toBe("Not Found");
  });

  it("answers an unknown version, and one whose API is not served, with Tyk's 404", async () => {
    for (const version of ["v9", "v3"]) {
      const response = await gateway("/shop/items", { headers: { "x-api-version": version } });
      expect(response.status).toBe(404);
      expect(await tykError(response)).toBe("This API version does not seem to exist");
    }
  });

  it("records a handed-over request once, under the version's API id; a refusal under the base", async () => {
    const handed = uniqueAgent("oas-versioning-handed");
    const refused = uniqueAgent("oas-versioning-refused");
    await (await gateway("/shop/items", { headers: { "x-api-version": "v2", "x-token": key, "user-agent": handed } })).arrayBuffer();
    await (await gateway("/shop/items", { headers: { "x-api-version": "v9", "user-agent": refused } })).arrayBuffer();
    const handedRecords = await recordsMatching(byAgent(handed));
    expect(handedRecords.map((record) => [record.api_id, record.response_code])).toEqual([["shop-v2", 200]]);
    const refusedRecords = await recordsMatching(byAgent(refused));
    expect(refusedRecords.map((record) => [record.api_id, record.response_code])).toEqual([["shop", 404]]);
  });
});

describe("Tyk OAS versioning: missing version, fallback, query and URL locations", () => {
  const child = oasApi({ id: "shop-v2", listenPath: "/shop-v2/", internal: true });
  const noDefault = oasApi({
    id: "strict",
    listenPath: "/strict/",
    versioning: { enabled: true, name: "v1", location: "header", key: "x-api-version", versions },
  });
  const fallback = oasApi({
    id: "fallback",
    listenPath: "/fallback/",
    versioning: { enabled: true, name: "v1", default: "v2", location: "header", key: "x-api-version", versions, fallbackToDefault: true },
  });
  const query = oasApi({
    id: "query",
    listenPath: "/query/",
    versioning: { enabled: true, name: "v1", default: "v1", location: "url-param", key: "version", versions, stripVersioningData: true },
  });
  const keepQuery = oasApi({
    id: "keep-query",
    listenPath: "/keep-query/",
    versioning: { enabled: true, name: "v1", default: "v1", location: "url-param", key: "version", versions },
  });
  const url = oasApi({
    id: "url",
    listenPath: "/url/",
    versioning: {
      enabled: true,
      name: "v1",
      default: "v1",
      location: "url",
      versions,
      stripVersioningData: true,
      fallbackToDefault: true,
      urlVersioningPattern: "^v\\d+$",
    },
  });

  // Its version "loop" names the base itself, and "v2" an API whose own versions name the base back.
  const selfish = oasApi({
    id: "selfish",
    listenPath: "/selfish/",
    versioning: {
      enabled: true,
      name: "v1",
      default: "v1",
      location: "header",
      key: "x-api-version",
      versions: [
        { name: "loop", id: "selfish" },
        { name: "v2", id: "echoing" },
      ],
    },
  });
  const echoing = oasApi({
    id: "echoing",
    listenPath: "/echoing/",
    internal: true,
    versioning: { enabled: true, name: "v1", location: "header", key: "x-api-version", versions: [{ name: "v2", id: "selfish" }] },
  });

  beforeAll(async () => {
    await putDocuments(child, noDefault, fallback, query, keepQuery, url, selfish, echoing);
  });

  it("hands a request over once: a version's API serves it as itself, even when its versions point back", async () => {
    expect(await servedBy(await gateway("/selfish/items", { headers: { "x-api-version": "loop" } }))).toMatchObject({ api: "selfish", path: "/items" });
    expect(await servedBy(await gateway("/selfish/items", { headers: { "x-api-version": "v2" } }))).toMatchObject({ api: "echoing", path: "/items" });
  });

  it("refuses a request naming no version when there is no default (403)", async () => {
    const response = await gateway("/strict/items");
    expect(response.status).toBe(403);
    expect(await tykError(response)).toBe("Version information not found");
  });

  it("falls back to the default version for an unknown one, and for one whose API is not served", async () => {
    for (const version of ["v9", "v3"]) {
      expect(await servedBy(await gateway("/fallback/items", { headers: { "x-api-version": version } }))).toMatchObject({ api: "shop-v2", path: "/items" });
    }
  });

  it("reads a query parameter, and strips it from what the version's upstream gets when asked to", async () => {
    expect(await servedBy(await gateway("/query/items?version=v2&a=1"))).toMatchObject({ api: "shop-v2", path: "/items?a=1" });
    expect(await servedBy(await gateway("/query/items?a=1&version=v1"))).toMatchObject({ api: "query", path: "/items?a=1" });
    expect(await servedBy(await gateway("/keep-query/items?version=v2&a=1"))).toMatchObject({ api: "shop-v2", path: "/items?version=v2&a=1" });
  });

  it("reads the first path segment, strips it when it matches the pattern, and falls back when it names no version", async () => {
    expect(await servedBy(await gateway("/url/v2/items"))).toMatchObject({ api: "shop-v2", path: "/items" });
    expect(await servedBy(await gateway("/url/v1/items"))).toMatchObject({ api: "url", path: "/items" });
    // "items" is no version: the default (the base) serves it, and it does not match the pattern, so it stays.
    expect(await servedBy(await gateway("/url/items/7"))).toMatchObject({ api: "url", path: "/items/7" });
  });
});
