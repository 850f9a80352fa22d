import { beforeEach, describe, expect, it } from "vitest";
import { admin } from "../support/admin";
import { adminHeaders, echoOf, gateway, keylessApi, loadApis, store, upstreamUrl } from "../support/gateway";

const notFound = { status: "error", message: "API not found" };

/** A Tyk OAS definition proxied to the test upstream at `/<id>/`. */
function oasApi(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    openapi: "3.0.3",
    info: { title: `API ${id}`, version: "1.0.0" },
    paths: { "/items": { get: { operationId: "listItems", responses: { "200": { description: "ok" } } } } },
    "x-vendor": { kept: [1, "two", null] },
    "x-tyk-api-gateway": {
      info: { id, name: `API ${id}`, state: { active: true } },
      upstream: { url: upstreamUrl() },
      server: { listenPath: { value: `/${id}/`, strip: true } },
    },
    ...extra,
  };
}

const petstoreYaml = (upstream: string) => `openapi: 3.0.3
info:
  title: Petstore
  version: 1.0.0
servers:
  - url: ${upstream}
paths:
  /pets:
    get:
      responses:
        "200":
          description: the pets
          content:
            application/json:
              example: [{ "id": 1, "name": "Rex" }]
    post:
      operationId: addPet
      requestBody:
        content:
          application/json:
            schema: { type: object, required: [name], properties: { name: { type: string } } }
      responses:
        "201":
          description: added
`;

const plainDocument = () => ({
  openapi: "3.0.3",
  info: { title: "Plain", version: "1" },
  servers: [{ url: upstreamUrl() }],
  security: [{ key: [] }],
  components: { securitySchemes: { key: { type: "apiKey", in: "header", name: "Authorization" } } },
  paths: {
    "/things/{id}": {
      get: { parameters: [{ name: "id", in: "path", required: true, schema: { type: "integer" } }], responses: { "200": { description: "ok" } } },
    },
  },
});

const yamlHeaders = { ...adminHeaders, "content-type": "application/x-yaml" };

describe("/tyk/apis/oas", () => {
  beforeEach(async () => {
    await loadApis(keylessApi());
  });

  it("adds a Tyk OAS definition and stores the document exactly as sent", async () => {
    const document = oasApi("oas1");
    expect(await admin("POST", "/apis/oas", document)).toMatchObject({ status: 200, body: { key: "oas1", status: "ok", action: "added" } });
    expect(await store().get("apis", "oas1")).toEqual(document);
    expect(await admin("GET", "/apis/oas/oas1")).toEqual({ status: 200, contentType: "application/json", body: document });
  });

  it("generates x-tyk-api-gateway.info.id when the document has none, storing it in the document", async () => {
    const document = oasApi("unused");
    const extension = document["x-tyk-api-gateway"] as { info: Record<string, unknown> };
    delete extension.info.id;
    const reply = await admin("POST", "/apis/oas", document);
    const id = (reply.body as { key: string }).key;
    expect(reply.status).toBe(200);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    const stored = (await admin("GET", `/apis/oas/${id}`)).body as typeof document;
    expect(stored["x-tyk-api-gateway"]).toEqual({ ...(document["x-tyk-api-gateway"] as object), info: { ...extension.info, id } });
  });

  it("lists OAS documents on /tyk/apis/oas and every API, OAS ones in classic form, on /tyk/apis", async () => {
    await admin("POST", "/apis/oas", oasApi("oas1"));
    expect((await admin("GET", "/apis/oas")).body).toEqual([oasApi("oas1")]);
    const classic = (await admin("GET", "/apis")).body as Record<string, unknown>[];
    expect(classic).toHaveLength(2);
    expect(classic).toContainEqual(keylessApi());
    expect(classic).toContainEqual(expect.objectContaining({ api_id: "oas1", is_oas: true, proxy: expect.objectContaining({ listen_path: "/oas1/" }) }));
    expect(await admin("GET", "/apis/oas1")).toMatchObject({ status: 200, body: { api_id: "oas1", is_oas: true } });
  });

  it("refuses an invalid document with 400 naming the JSON path, what was expected and what was found", async () => {
    const document = oasApi("bad");
    (document["x-tyk-api-gateway"] as { server: unknown }).server = { listenPath: { value: 5 } };
    const reply = await admin("POST", "/apis/oas", document);
    expect(reply.status).toBe(400);
    expect((reply.body as { message: string }).message).toContain("$.x-tyk-api-gateway.server.listenPath.value: expected string, got number 5");
    expect((reply.body as { issues: unknown[] }).issues).toContainEqual(expect.objectContaining({ path: "$.x-tyk-api-gateway.server.listenPath.value" }));
    expect(await store().get("apis", "bad")).toBeNull();
  });

  it("refuses a document without the extension, and a body that is neither JSON nor YAML, as Tyk does", async () => {
    const { "x-tyk-api-gateway": _extension, ...plain } = oasApi("plain");
    expect(await admin("POST", "/apis/oas", plain)).toMatchObject({
      status: 400,
      body: { status: "error", message: "the payload should contain x-tyk-api-gateway" },
    });
    expect(await admin("POST", "/apis/oas", "{not json")).toMatchObject({ status: 400, body: { status: "error", message: "request malformed" } });
  });

  it("refuses a route another API of either format has", async () => {
    const clash = oasApi("clash");
    (clash["x-tyk-api-gateway"] as { server: unknown }).server = { listenPath: { value: "/keyless/" } };
    const reply = await admin("POST", "/apis/oas", clash);
    expect(reply.status).toBe(400);
    expect((reply.body as { message: string }).message).toContain(
      '$.x-tyk-api-gateway.server.listenPath.value: "/keyless/" on domain "" is already used by API "keyless"',
    );
    await admin("POST", "/apis/oas", oasApi("oas1"));
    const classic = await admin("POST", "/apis", keylessApi({ api_id: "c2", proxy: { listen_path: "/oas1/" } }));
    expect(classic.status).toBe(400);
    expect((classic.body as { message: string }).message).toContain('is already used by API "oas1"');
  });

  it("GET of a classic API on the OAS route and PUT of each format on the other's route are refused with Tyk's messages", async () => {
    expect(await admin("GET", "/apis/oas/keyless")).toMatchObject({
      status: 400,
      body: { message: "the requested API definition is in Tyk classic format, please use old api endpoint" },
    });
    expect(await admin("PUT", "/apis/oas/keyless", oasApi("keyless"))).toMatchObject({
      status: 400,
      body: { message: "the supplied API definition is in OAS format, please use the Tyk classic format for this API" },
    });
    await admin("POST", "/apis/oas", oasApi("oas1"));
    expect(await admin("PUT", "/apis/oas1", keylessApi({ api_id: "oas1", proxy: { listen_path: "/oas1/" } }))).toMatchObject({
      status: 400,
      body: { message: "this API endpoint only supports Tyk Classic APIs; please use the appropriate Tyk OAS API endpoint" },
    });
    expect(await admin("POST", "/apis", oasApi("sent-to-classic"))).toMatchObject({
      status: 400,
      body: { message: "the supplied API definition is in OAS format, please use the Tyk classic format for this API" },
    });
    expect(await admin("GET", "/apis/oas/missing")).toEqual({ status: 404, contentType: "application/json", body: notFound });
  });

  it("PUT replaces a stored OAS API, refusing another id or an unknown API", async () => {
    await admin("POST", "/apis/oas", oasApi("oas1"));
    const changed = oasApi("oas1", { info: { title: "Renamed", version: "2" } });
    expect(await admin("PUT", "/apis/oas/oas1", changed)).toMatchObject({ status: 200, body: { key: "oas1", status: "ok", action: "modified" } });
    expect(await store().get("apis", "oas1")).toEqual(changed);
    expect(await admin("PUT", "/apis/oas/oas1", oasApi("other"))).toMatchObject({
      status: 400,
      body: { message: "Request APIID does not match that in Definition! For Update operations these must match." },
    });
    expect(await admin("PUT", "/apis/oas/ghost", oasApi("ghost"))).toMatchObject({ status: 404, body: notFound });
  });

  it("PATCH takes a plain document's paths and info, keeps the extension, and drops entries of operations that are gone", async () => {
    const withEntry = oasApi("oas1");
    (withEntry["x-tyk-api-gateway"] as Record<string, unknown>).middleware = { operations: { listItems: { allow: { enabled: true } } } };
    await admin("POST", "/apis/oas", withEntry);
    const patch = { openapi: "3.0.3", info: { title: "Patched", version: "3" }, paths: { "/other": { get: { responses: { "200": { description: "ok" } } } } } };
    expect(await admin("PATCH", "/apis/oas/oas1?allowList=true", patch)).toMatchObject({ status: 200, body: { key: "oas1", action: "modified" } });
    const stored = (await store().get("apis", "oas1")) as Record<string, unknown>;
    expect(stored.info).toEqual(patch.info);
    expect(stored.paths).toEqual({ "/other": { get: { operationId: "otherGET", responses: { "200": { description: "ok" } } } } });
    const extension = stored["x-tyk-api-gateway"] as Record<string, unknown>;
    expect(extension.upstream).toEqual({ url: upstreamUrl() });
    expect(extension.middleware).toEqual({ operations: { otherGET: { allow: { enabled: true } } } });
  });

  it("DELETE removes an OAS API (and, as in Tyk, a classic one)", async () => {
    await admin("POST", "/apis/oas", oasApi("oas1"));
    expect(await admin("DELETE", "/apis/oas/oas1")).toMatchObject({ status: 200, body: { key: "oas1", status: "ok", action: "deleted" } });
    expect(await store().get("apis", "oas1")).toBeNull();
    expect(await admin("DELETE", "/apis/oas/oas1")).toMatchObject({ status: 404, body: notFound });
    expect(await admin("DELETE", "/apis/oas/keyless")).toMatchObject({ status: 200, body: { action: "deleted" } });
    // Written back through the Gateway API: the deletion it announced would otherwise hide the store's copy for a while.
    expect(await admin("POST", "/apis", keylessApi())).toMatchObject({ status: 200 });
  });

  it("exports the stored document as a file, and without the extension in public mode", async () => {
    const document = oasApi("oas1");
    await admin("POST", "/apis/oas", document);
    const full = await gateway("/tyk/apis/oas/oas1/export", { headers: adminHeaders });
    expect(full.status).toBe(200);
    expect(full.headers.get("content-type")).toBe("application/octet-stream");
    expect(full.headers.get("content-disposition")).toBe('attachment;filename="TykOasApiDef-oas1.json"');
    expect(await full.json()).toEqual(document);
    const open = await gateway("/tyk/apis/oas/oas1/export?mode=public", { headers: adminHeaders });
    expect(open.headers.get("content-disposition")).toBe('attachment;filename="oas-oas1.json"');
    const { "x-tyk-api-gateway": _extension, ...plain } = document;
    expect(await open.json()).toEqual(plain);
    expect(await admin("GET", "/apis/oas/missing/export")).toMatchObject({ status: 404, body: notFound });
  });

  it("bounds the body like the classic endpoints", async () => {
    const reply = await admin("POST", "/apis/oas", "x".repeat(1024 * 1024 + 1), yamlHeaders);
    expect(reply.status).toBe(413);
  });
});

describe("/tyk/apis/oas/import", () => {
  beforeEach(async () => {
    await loadApis(keylessApi());
  });

  it("imports YAML with validateRequest and mockResponse, and serves the API after a reload", async () => {
    // The snapshot loads on first use: warm it so the import is not picked up without a reload.
    expect((await gateway("/keyless/warm")).status, "warm").toBe(200);
    const reply = await admin(
      "POST",
      "/apis/oas/import?listenPath=/petstore/&validateRequest=true&mockResponse=true",
      petstoreYaml(upstreamUrl()),
      yamlHeaders,
    );
    expect(reply).toMatchObject({ status: 200, body: { status: "ok", action: "added" } });
    const id = (reply.body as { key: string }).key;
    const stored = (await store().get("apis", id)) as Record<string, unknown>;
    expect(stored.info).toEqual({ title: "Petstore", version: "1.0.0" });
    expect(stored["x-tyk-api-gateway"]).toMatchObject({
      info: { id, name: "Petstore", state: { active: true, internal: false } },
      upstream: { url: upstreamUrl() },
      server: { listenPath: { value: "/petstore/", strip: true } },
      middleware: {
        operations: {
          petsGET: { mockResponse: { enabled: true, fromOASExamples: { enabled: true } } },
          addPet: { validateRequest: { enabled: true, errorResponseCode: 422 } },
        },
      },
    });
    expect((await gateway("/petstore/pets")).status).toBe(404);
    await admin("GET", "/reload");
    expect((await echoOf(await gateway("/petstore/anything"))).path).toBe("/anything");
    const mocked = await gateway("/petstore/pets");
    expect(mocked.status, await mocked.clone().text()).toBe(200);
    expect(await mocked.json()).toEqual([{ id: 1, name: "Rex" }]);
  });

  it("takes upstreamURL, customDomain, allowList and authentication from the query", async () => {
    const query = `upstreamURL=${encodeURIComponent(upstreamUrl())}&listenPath=/plain/&customDomain=plain.example&allowList=true&authentication=true`;
    const reply = await admin("POST", `/apis/oas/import?${query}`, { ...plainDocument(), servers: [{ url: "http://127.0.0.1:1/" }] });
    expect(reply.status).toBe(200);
    const stored = (await store().get("apis", (reply.body as { key: string }).key)) as Record<string, unknown>;
    expect(stored["x-tyk-api-gateway"]).toMatchObject({
      upstream: { url: upstreamUrl() },
      server: {
        listenPath: { value: "/plain/", strip: true },
        customDomain: { enabled: true, name: "plain.example" },
        authentication: { enabled: true, securitySchemes: { key: { enabled: true } } },
      },
      middleware: { operations: { "things/{id}GET": { allow: { enabled: true } } } },
    });
  });

  it("refuses a document that carries the extension, and one with nothing to take the upstream from", async () => {
    expect(await admin("POST", "/apis/oas/import", oasApi("oas1"))).toMatchObject({
      status: 400,
      body: { message: "the import payload should not contain x-tyk-api-gateway" },
    });
    const reply = await admin("POST", "/apis/oas/import", { ...plainDocument(), servers: [] });
    expect(reply.status).toBe(400);
    expect((reply.body as { message: string }).message).toMatch(/^The ‘servers’ object is empty in your OAS/);
  });

  it("exports an imported document in public mode as sent, plus the operation ids Tyk generates", async () => {
    const reply = await admin("POST", "/apis/oas/import?listenPath=/plain/", plainDocument());
    const id = (reply.body as { key: string }).key;
    const exported = await gateway(`/tyk/apis/oas/${id}/export?mode=public`, { headers: adminHeaders });
    const plain = (await exported.json()) as Record<string, unknown>;
    const paths = plainDocument().paths;
    expect(plain).toEqual({ ...plainDocument(), paths: { "/things/{id}": { get: { operationId: "things/{id}GET", ...paths["/things/{id}"].get } } } });
  });
});
