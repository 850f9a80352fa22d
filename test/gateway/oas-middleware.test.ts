import { beforeAll, describe, expect, it } from "vitest";
import { byAgent, recordsMatching, uniqueAgent } from "../analytics/support/records";
import ordersClassic from "../fixtures/oas/orders-middleware.classic.json";
import orders from "../fixtures/oas/orders-middleware.json";
import { gatewayWith, type Send } from "../plugins/support/registry";
import { admin } from "../support/admin";
import { adminHeaders, gateway, reload, store, tykError, upstreamUrl } from "../support/gateway";
import { accessTo } from "../support/keys";

/*
 * The Tyk OAS middleware mapped onto existing classic features (plugins and
 * their config data, virtual endpoints, request and response body
 * transforms, error overrides, endpoint tracking) behave in the gateway as
 * their hand-written classic twin does (test/fixtures/oas/orders-middleware*),
 * and as each middleware asks. The fixture's plugins are the tests' own
 * (test/plugins/support/registry.ts).
 */

type Json = Record<string, unknown>;

async function putDocuments(...documents: [string, Json][]): Promise<void> {
  const kv = store();
  for (const id of await kv.listIds("apis")) await kv.delete("apis", id);
  for (const [id, document] of documents) await kv.put("apis", id, document);
  await reload();
}

/** Everything a client sees of an answer: status, the headers the middleware set, the body. */
async function seen(response: Response): Promise<Json> {
  const headers = ["x-virtual", "x-overridden", "x-upstream", "content-type"].map((name) => [name, response.headers.get(name)]);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: compared as text.
  }
  // The echo carries the request's own headers; keep the ones the gateway's middleware adds.
  if (typeof body === "object" && body !== null && "headers" in body) {
    const echoed = (body as { headers: Record<string, string> }).headers;
    body = { ...body, headers: Object.fromEntries(Object.entries(echoed).filter(([name]) => name.startsWith("x-pre"))) };
  }
  return { status: response.status, headers: Object.fromEntries(headers), body };
}

describe("Tyk OAS plugins, virtual endpoints, body transforms and error overrides (test/fixtures/oas/orders-middleware.json)", () => {
  const target = `${upstreamUrl()}/upstream`;
  const oas = structuredClone(orders) as Json;
  (oas["x-tyk-api-gateway"] as { upstream: Json }).upstream.url = target;
  const classic = { ...structuredClone(ordersClassic), proxy: { ...ordersClassic.proxy, target_url: target } };
  let send: Send;

  const requests: { name: string; path: string; init?: RequestInit }[] = [
    { name: "virtual endpoint, with the plugin config data", path: "/hello" },
    {
      name: "request body transform",
      path: "/orders",
      init: { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"pen","qty":2}' },
    },
    { name: "response body transform", path: "/orders/7" },
    { name: "error override of a blocked operation", path: "/admin" },
    { name: "plain proxied operation", path: "/health" },
  ];

  beforeAll(async () => {
    await putDocuments(["oas-orders", oas], ["classic-orders", classic as Json]);
    send = gatewayWith();
  });

  it("answers every request the way its classic twin does, as each middleware asks", async () => {
    const answers: Json[] = [];
    for (const request of requests) {
      const fromOas = await seen(await send(`/orders-api${request.path}`, request.init));
      const fromClassic = await seen(await send(`/orders-classic${request.path}`, request.init));
      expect({ request: request.name, ...fromOas }).toEqual({ request: request.name, ...fromClassic });
      answers.push(fromOas);
    }
    const [hello, created, fetched, blocked, health] = answers;
    expect(hello).toMatchObject({ status: 202, headers: { "x-virtual": "hello", "x-upstream": null }, body: { path: "/hello", config: "hi" } });
    expect(created).toMatchObject({ status: 200, body: { method: "POST", path: "/upstream/orders", headers: { "x-pre-saw-session": "no" } } });
    expect(JSON.parse((created!.body as { body: string }).body)).toEqual({ order: "pen", qty: 2 });
    expect(fetched).toMatchObject({ status: 200, body: { seen_path: "/upstream/orders/7", seen_method: "GET" } });
    expect(blocked).toEqual({ status: 451, headers: expect.objectContaining({ "x-overridden": "yes" }), body: { closed: true } });
    expect(health).toMatchObject({ status: 200, body: { path: "/upstream/health" } });
  });

  it("does not serve the document when a plugin it names is not registered", async () => {
    const missing = structuredClone(oas);
    const global = ((missing["x-tyk-api-gateway"] as Json).middleware as { global: Json }).global;
    global.prePlugins = [{ enabled: true, functionName: "notRegistered" }];
    await putDocuments(["oas-orders", missing]);
    const response = await gatewayWith()("/orders-api/health");
    expect(response.status).toBe(500);
    expect(await tykError(response)).toContain("custom_middleware.pre.notRegistered");
  });

  it("round-trips through the Gateway API unchanged, and lists its classic form with the mapped fields", async () => {
    await putDocuments();
    expect(await admin("POST", "/apis/oas", oas)).toMatchObject({ status: 200 });
    const exported = await gateway("/tyk/apis/oas/oas-orders/export", { headers: adminHeaders });
    expect(await exported.json()).toEqual(oas);
    const listed = (await admin("GET", "/apis")).body as Json[];
    expect(listed.find((api) => api.api_id === "oas-orders")).toMatchObject({
      is_oas: true,
      custom_middleware: { pre: [expect.objectContaining({ name: "seePre" })] },
      config_data: { greeting: "hi" },
      error_overrides: { "403": [expect.objectContaining({ response: expect.objectContaining({ status_code: 451 }) })] },
    });
  });
});

describe("Tyk OAS trackEndpoint / doNotTrackEndpoint", () => {
  const operations = {
    getItem: { trackEndpoint: { enabled: true } },
    health: { doNotTrackEndpoint: { enabled: true } },
  };
  const oas = (): Json => ({
    openapi: "3.0.3",
    info: { title: "tracked", version: "1" },
    paths: {
      "/items/{id}": { get: { operationId: "getItem", responses: { "200": { description: "" } } } },
      "/health": { get: { operationId: "health", responses: { "200": { description: "" } } } },
    },
    "x-tyk-api-gateway": {
      info: { id: "oas-tracked", name: "tracked", state: { active: true } },
      upstream: { url: upstreamUrl() },
      server: { listenPath: { value: "/oas-tracked/", strip: true } },
      middleware: { operations },
    },
  });
  const classic: Json = {
    api_id: "classic-tracked",
    name: "tracked",
    use_keyless: true,
    proxy: { listen_path: "/classic-tracked/", target_url: upstreamUrl(), strip_listen_path: true },
    version_data: {
      not_versioned: true,
      versions: {
        "": {
          name: "",
          extended_paths: { track_endpoints: [{ path: "/items/{id}", method: "GET" }], do_not_track_endpoints: [{ path: "/health", method: "GET" }] },
        },
      },
    },
  };

  it("records a tracked operation under its path template and leaves out an untracked one, as the classic lists do", async () => {
    await putDocuments(["oas-tracked", oas()], ["classic-tracked", classic]);
    const results: Json[] = [];
    for (const api of ["oas-tracked", "classic-tracked"]) {
      const tracked = uniqueAgent(`${api}-tracked`);
      const untracked = uniqueAgent(`${api}-untracked`);
      await (await gateway(`/${api}/items/42`, { headers: { "user-agent": tracked } })).arrayBuffer();
      await (await gateway(`/${api}/health`, { headers: { "user-agent": untracked } })).arrayBuffer();
      const [record] = await recordsMatching(byAgent(tracked));
      const skipped = await recordsMatching(byAgent(untracked), 1, 1000);
      results.push({ path: record?.path, track_path: record?.track_path, untrackedRecords: skipped.length });
    }
    expect(results[0]).toEqual({ path: "/items/{id}", track_path: true, untrackedRecords: 0 });
    expect(results[0]).toEqual(results[1]);
  });
});

describe("Tyk OAS server.authentication.custom (the bundled partnerAuth plugin)", () => {
  const partners = { "token-acme": { id: "acme", policy: "oas-partner" } };
  const oas = (): Json => ({
    openapi: "3.0.3",
    info: { title: "partners", version: "1" },
    paths: {},
    "x-tyk-api-gateway": {
      info: { id: "oas-partners", orgId: "default", name: "partners", state: { active: true } },
      upstream: { url: upstreamUrl() },
      server: {
        listenPath: { value: "/oas-partners/", strip: true },
        authentication: { enabled: true, custom: { enabled: true, config: { enabled: true, functionName: "partnerAuth", path: "middleware/partner.js" } } },
      },
      middleware: { global: { pluginConfig: { driver: "otto", data: { enabled: true, value: { partners } } } } },
    },
  });
  const classic: Json = {
    api_id: "classic-partners",
    org_id: "default",
    name: "partners",
    use_keyless: false,
    custom_plugin_auth_enabled: true,
    custom_middleware: { driver: "otto", auth_check: { name: "partnerAuth", path: "middleware/partner.js" } },
    config_data: { partners },
    proxy: { listen_path: "/classic-partners/", target_url: upstreamUrl(), strip_listen_path: true },
    version_data: { not_versioned: true, versions: { "": { name: "" } } },
  };

  it("lets the plugin decide who calls, as the classic custom auth does", async () => {
    const rights = { ...(accessTo("oas-partners").access_rights as Json), ...(accessTo("classic-partners").access_rights as Json) };
    await store().put("policies", "oas-partner", { id: "oas-partner", org_id: "default", quota_max: -1, rate: 1000, per: 1, access_rights: rights });
    await putDocuments(["oas-partners", oas()], ["classic-partners", classic]);
    const statuses: Record<string, number[]> = {};
    for (const api of ["oas-partners", "classic-partners"]) {
      statuses[api] = [];
      const attempts: Record<string, string>[] = [{ "x-partner-token": "token-acme" }, { "x-partner-token": "nope" }, {}];
      for (const headers of attempts) {
        const response = await gateway(`/${api}/x`, { headers });
        await response.arrayBuffer();
        statuses[api].push(response.status);
      }
    }
    expect(statuses["oas-partners"]).toEqual([200, 403, 403]);
    expect(statuses["oas-partners"]).toEqual(statuses["classic-partners"]);
  });
});
