import { beforeAll, describe, expect, it } from "vitest";
import { adminHeaders, gateway, keylessApi } from "../support/gateway";
import { createClient, oauthApi, oauthError, policyFor, redirectUri, setUp, tokenRequest, tokensOf } from "./support";

const api = "clients-api";

const admin = (path: string, init: RequestInit = {}) => gateway(path, { ...init, headers: adminHeaders });
const create = (body: Record<string, unknown>) => admin("/tyk/oauth/clients/create", { method: "POST", body: JSON.stringify(body) });

describe("OAuth clients through the Gateway API", () => {
  beforeAll(async () => {
    await setUp(
      [oauthApi(api), oauthApi("clients-second"), keylessApi({ api_id: "clients-plain", use_keyless: false, proxy: { listen_path: "/clients-plain/" } })],
      [policyFor("clients-policy", [api]), policyFor("clients-both", [api, "clients-second", "clients-plain"]), policyFor("clients-other", ["clients-second"])],
    );
  });

  it("creates a client with Tyk's answer, then lists and reads it without its secret", async () => {
    const created = await createClient({
      api_id: api,
      client_id: "web-app",
      secret: "s3cret",
      policy_id: "clients-policy",
      meta_data: { tier: "gold" },
      description: "Web",
    });
    expect(created).toEqual({
      client_id: "web-app",
      redirect_uri: redirectUri,
      policy_id: "clients-policy",
      secret: "s3cret",
      meta_data: { tier: "gold" },
      description: "Web",
    });
    const listed = (await (await admin(`/tyk/oauth/clients/${api}`)).json()) as { client_id: string; secret: string }[];
    expect(listed).toContainEqual({ ...created, secret: "" });
    const read = await admin(`/tyk/oauth/clients/${api}/web-app`);
    expect(await read.json()).toEqual({ ...created, secret: "" });
  });

  it("makes up the id and secret when the body has none", async () => {
    const created = await createClient({ api_id: api, policy_id: "clients-policy" });
    expect(created.client_id).toMatch(/^[0-9a-f]{32}$/);
    expect(created.secret.length).toBeGreaterThan(20);
  });

  it("refuses unknown APIs, APIs without OAuth, unknown policies and bad bodies", async () => {
    expect(await (await create({ api_id: "no-such-api" })).json()).toEqual({ status: "error", message: "API doesn't exist" });
    expect(await (await create({ api_id: "clients-plain" })).json()).toEqual({ status: "error", message: "API is not OAuth2" });
    expect(await (await create({ policy_id: "no-such-policy" })).json()).toEqual({ status: "error", message: "Policy doesn't exist" });
    const malformed = await admin("/tyk/oauth/clients/create", { method: "POST", body: "{" });
    expect(malformed.status).toBe(400);
    expect(await (await create({ api_id: api, client_id: 7 })).json()).toEqual({ status: "error", message: "Unmarshalling failed" });
  });

  it("gives a client made from a policy to every OAuth API the policy grants", async () => {
    const created = await createClient({ client_id: "from-policy", policy_id: "clients-both" });
    expect(created.client_id).toBe("from-policy");
    const apis = await admin("/tyk/oauth/clients/apis/from-policy?orgID=default");
    expect(((await apis.json()) as string[]).sort()).toEqual([api, "clients-second"]);
  });

  it("rotates the secret: the old one stops working, the new one works", async () => {
    const created = await createClient({ api_id: api, policy_id: "clients-policy" });
    const rotated = await admin(`/tyk/oauth/clients/${api}/${created.client_id}/rotate`, { method: "PUT" });
    const body = (await rotated.json()) as { secret: string };
    expect(body.secret).not.toBe(created.secret);
    expect((await oauthError(await tokenRequest(api, created, { grant_type: "client_credentials" }))).error).toBe("unauthorized_client");
    await tokensOf(await tokenRequest(api, { client_id: created.client_id, secret: body.secret }, { grant_type: "client_credentials" }));
  });

  it("updates a client; a policy that does not grant the API is refused", async () => {
    const created = await createClient({ api_id: api, policy_id: "clients-policy" });
    const path = `/tyk/oauth/clients/${api}/${created.client_id}`;
    const refused = await admin(path, { method: "PUT", body: JSON.stringify({ redirect_uri: redirectUri, policy_id: "clients-other" }) });
    expect(await refused.json()).toEqual({ status: "error", message: "Policy access rights doesn't contain API this OAuth client belongs to" });
    const updated = await admin(path, {
      method: "PUT",
      body: JSON.stringify({ redirect_uri: "http://127.0.0.1:9/other", policy_id: "clients-both", description: "new" }),
    });
    expect(await updated.json()).toMatchObject({
      client_id: created.client_id,
      redirect_uri: "http://127.0.0.1:9/other",
      policy_id: "clients-both",
      description: "new",
    });
  });

  it("deletes a client, whose tokens then stop working", async () => {
    const created = await createClient({ api_id: api, policy_id: "clients-policy" });
    const tokens = await tokensOf(await tokenRequest(api, created, { grant_type: "client_credentials" }));
    expect((await gateway(`/${api}/x`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(200);
    const deleted = await admin(`/tyk/oauth/clients/${api}/${created.client_id}`, { method: "DELETE" });
    expect(await deleted.json()).toEqual({ key: created.client_id, status: "ok", action: "deleted" });
    expect((await admin(`/tyk/oauth/clients/${api}/${created.client_id}`)).status).toBe(404);
    expect((await gateway(`/${api}/x`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(403);
  });

  it("lists a client's live tokens by their hashes, paginated on request", async () => {
    const created = await createClient({ api_id: api, policy_id: "clients-policy" });
    for (let index = 0; index < 2; index++) await tokensOf(await tokenRequest(api, created, { grant_type: "client_credentials" }));
    const tokens = (await (await admin(`/tyk/oauth/clients/${api}/${created.client_id}/tokens`)).json()) as { code: string; expires: number }[];
    expect(tokens).toHaveLength(2);
    for (const token of tokens) {
      expect(token.code).toMatch(/^[0-9a-f]{64}$/);
      expect(token.expires).toBeGreaterThan(Date.now() / 1000 + 3500);
    }
    const paged = await admin(`/tyk/oauth/clients/${api}/${created.client_id}/tokens?page=1`);
    expect(await paged.json()).toEqual({ Pagination: { page_num: 1, page_total: 1, page_size: 100 }, Tokens: tokens });
  });

  it("accepts an OAuth definition with every OAuth field honoured", async () => {
    const definition = oauthApi("clients-manifest", { auth_configs: { oauth: { auth_header_name: "X-Token" } } });
    const added = await admin("/tyk/apis", { method: "POST", body: JSON.stringify(definition) });
    expect(added.status).toBe(200);
    expect(((await added.json()) as { warnings?: unknown[] }).warnings ?? []).toEqual([]);
  });

  it("answers 404 for clients of unknown APIs", async () => {
    expect(await (await admin("/tyk/oauth/clients/no-such-api")).json()).toEqual({ status: "error", message: "OAuth client not found" });
    expect(await (await admin("/tyk/oauth/clients/no-such-api/web-app")).json()).toEqual({ status: "error", message: "OAuth Client ID not found" });
  });
});
