import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { recordOf, uniqueAgent } from "../analytics/support/records";
import { adminHeaders, gateway, tykError } from "../support/gateway";
import { accessTo } from "../support/keys";
import type { ReceivedNotification } from "./notification-receiver";
import {
  bearer,
  codeFor,
  createClient,
  form,
  oauthApi,
  oauthError,
  policyFor,
  redirectUri,
  setUp,
  tokenRequest,
  tokensOf,
  type CreatedClient,
} from "./support";

const api = "bearer-api";
const limited = "bearer-limited";

const admin = (path: string, init: RequestInit) =>
  gateway(path, { ...init, headers: { ...(init.headers as Record<string, string>), "x-tyk-authorization": adminHeaders["x-tyk-authorization"] } });
const status = async (token: string) => (await gateway(`/${api}/x`, bearer(token))).status;

describe("OAuth bearer tokens", () => {
  let client: CreatedClient;

  beforeAll(async () => {
    await setUp([oauthApi(api), oauthApi(limited)], [policyFor("bearer-policy", [api]), policyFor("bearer-slow", [limited], { rate: 2, per: 60 })]);
    client = await createClient({ api_id: api, policy_id: "bearer-policy", meta_data: { tier: "gold" } });
  });

  const newToken = async () => (await tokensOf(await tokenRequest(api, client, { grant_type: "client_credentials" }))).access_token;

  it("answers Tyk's errors for a missing, malformed or unknown bearer token", async () => {
    const missing = await gateway(`/${api}/x`);
    expect([missing.status, await tykError(missing)]).toEqual([400, "Authorization field missing"]);
    const malformed = await gateway(`/${api}/x`, { headers: { authorization: "Token abc" } });
    expect([malformed.status, await tykError(malformed)]).toEqual([400, "Bearer token malformed"]);
    const unknown = await gateway(`/${api}/x`, bearer("no-such-token"));
    expect([unknown.status, await tykError(unknown)]).toEqual([403, "Key not authorised"]);
  });

  it("refuses an ordinary key presented as a bearer token", async () => {
    const key = await (await admin("/tyk/keys/create", { method: "POST", body: JSON.stringify({ org_id: "default", ...accessTo(api) }) })).json();
    const response = await gateway(`/${api}/x`, bearer((key as { key: string }).key));
    expect([response.status, await tykError(response)]).toEqual([403, "Key not authorised. OAuth client access was revoked"]);
  });

  it("gives the token the client's policy: its rate limit answers 429 after two requests", async () => {
    const slowClient = await createClient({ api_id: limited, policy_id: "bearer-slow" });
    const token = (await tokensOf(await tokenRequest(limited, slowClient, { grant_type: "client_credentials" }))).access_token;
    const statuses: number[] = [];
    for (let index = 0; index < 3; index++) statuses.push((await gateway(`/${limited}/x`, bearer(token))).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it("stores the session with the client's id and meta data, and the token, secret and refresh token only hashed", async () => {
    const code = await codeFor(api, client.client_id);
    const tokens = await tokensOf(await tokenRequest(api, client, { grant_type: "authorization_code", code, redirect_uri: redirectUri }));
    const session = await (await admin(`/tyk/keys/${tokens.access_token}`, { method: "GET" })).json();
    expect(session).toMatchObject({ oauth_client_id: client.client_id, meta_data: { tier: "gold" }, apply_policies: ["bearer-policy"] });

    const stored: string[] = [];
    for (const { name } of (await env.GATEWAY_KV.list()).keys) stored.push(name, (await env.GATEWAY_KV.get(name)) ?? "");
    const grants = env.OAUTH_GRANTS.get(env.OAUTH_GRANTS.idFromName(api));
    await runInDurableObject(grants, (_instance, state) => {
      for (const table of ["codes", "refresh", "tokens"]) stored.push(JSON.stringify(state.storage.sql.exec(`SELECT * FROM ${table}`).toArray()));
    });
    const everything = stored.join("\n");
    for (const secret of [tokens.access_token, tokens.refresh_token!, client.secret, code]) expect(everything).not.toContain(secret);
  });

  it("records the client's id as the analytics record's oauth_id", async () => {
    const agent = uniqueAgent("oauth-bearer");
    const response = await gateway(`/${api}/recorded`, { headers: { authorization: `Bearer ${await newToken()}`, "user-agent": agent } });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(await recordOf(agent)).toMatchObject({ oauth_id: client.client_id, api_id: api });
  });

  it("refuses a token past its expiry as Tyk refuses an expired key", async () => {
    const token = await newToken();
    const session = (await (await admin(`/tyk/keys/${token}`, { method: "GET" })).json()) as Record<string, unknown>;
    expect(session.expires).toBeGreaterThan(Date.now() / 1000 + 3500);
    const expired = { ...session, expires: Math.floor(Date.now() / 1000) - 10 };
    expect((await admin(`/tyk/keys/${token}?suppress_reset=1`, { method: "PUT", body: JSON.stringify(expired) })).status).toBe(200);
    const response = await gateway(`/${api}/x`, bearer(token));
    expect([response.status, await tykError(response)]).toEqual([401, "Key has expired, please renew"]);
  });

  it("revokes an access token at the API's oauth/revoke", async () => {
    const token = await newToken();
    expect(await status(token)).toBe(200);
    const missing = await gateway(`/${api}/oauth/revoke`, form({}));
    expect(await missing.json()).toEqual({ status: "error", message: "token is required" });
    const revoked = await gateway(`/${api}/oauth/revoke`, form({ token, token_type_hint: "access_token" }));
    expect(await revoked.json()).toEqual({ status: "ok", message: "token revoked successfully" });
    expect(await status(token)).toBe(403);
  });

  it("revokes every token of a client at oauth/revoke_all, given its secret", async () => {
    const tokens = [await newToken(), await newToken()];
    expect(await (await gateway(`/${api}/oauth/revoke_all`, form({ client_id: client.client_id }))).json()).toEqual({
      status: "error",
      message: "client_secret is required",
    });
    const wrong = await gateway(`/${api}/oauth/revoke_all`, form({ client_id: client.client_id, client_secret: "wrong" }));
    expect([wrong.status, await wrong.json()]).toEqual([401, { status: "error", message: "client secret is wrong" }]);
    expect((await gateway(`/${api}/oauth/revoke_all`, form({ client_id: client.client_id, client_secret: client.secret }))).status).toBe(200);
    for (const token of tokens) expect(await status(token)).toBe(403);
  });

  it("revokes through the Gateway API, by client, on every API that has it", async () => {
    const token = await newToken();
    const unknown = await admin("/tyk/oauth/revoke", form({ token, client_id: "nobody" }));
    expect([unknown.status, await unknown.json()]).toEqual([400, { status: "error", message: "oauth client doesn't exist" }]);
    const revoked = await admin("/tyk/oauth/revoke", form({ token, client_id: client.client_id, org_id: "default" }));
    expect(await revoked.json()).toEqual({ status: "ok", message: "token revoked successfully" });
    expect(await status(token)).toBe(403);

    const others = [await newToken(), await newToken()];
    const all = await admin("/tyk/oauth/revoke_all", form({ client_id: client.client_id, client_secret: client.secret }));
    expect(await all.json()).toEqual({ status: "ok", message: "tokens revoked successfully" });
    for (const other of others) expect(await status(other)).toBe(403);
  });

  it("tells the API's key change URL about new and refreshed tokens, with the shared secret", async () => {
    const code = await codeFor(api, client.client_id);
    const first = await tokensOf(await tokenRequest(api, client, { grant_type: "authorization_code", code, redirect_uri: redirectUri }));
    const second = await tokensOf(await tokenRequest(api, client, { grant_type: "refresh_token", refresh_token: first.refresh_token! }));
    const inbox = `${inject("notificationReceiverUrl")}/${api}`;
    let received: ReceivedNotification[] = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      received = (await (await fetch(inbox)).json()) as ReceivedNotification[];
      if (received.some((notification) => notification.body.new_oauth_token === second.access_token)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(received).toContainEqual({
      secret: "shh",
      userAgent: "Tyk-Gatewy-Notifications",
      body: { auth_code: code, new_oauth_token: first.access_token, refresh_token: first.refresh_token, old_refresh_token: "", notification_type: "new" },
    });
    expect(received).toContainEqual(
      expect.objectContaining({
        body: {
          auth_code: "",
          new_oauth_token: second.access_token,
          refresh_token: second.refresh_token,
          old_refresh_token: first.refresh_token,
          notification_type: "refresh",
        },
      }),
    );
  });

  it("grants a password user's token with the user's own access rights", async () => {
    const user = { org_id: "default", basic_auth_data: { password: "correct horse" }, ...accessTo(api), meta_data: { user: "alice" } };
    expect((await admin("/tyk/keys/oauth-alice", { method: "POST", body: JSON.stringify(user) })).status).toBe(200);
    const wrong = await tokenRequest(api, client, { grant_type: "password", username: "oauth-alice", password: "wrong" });
    expect((await oauthError(wrong)).error).toBe("access_denied");
    const tokens = await tokensOf(await tokenRequest(api, client, { grant_type: "password", username: "oauth-alice", password: "correct horse" }));
    expect(tokens.refresh_token).toBeTruthy();
    expect(await status(tokens.access_token)).toBe(200);
    const session = await (await admin(`/tyk/keys/${tokens.access_token}`, { method: "GET" })).json();
    expect(session).toMatchObject({ oauth_client_id: client.client_id, meta_data: { user: "alice", tier: "gold" } });
    expect(JSON.stringify(session)).not.toContain("correct horse");
  });
});
