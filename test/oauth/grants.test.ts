import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/oauth/hashing";
import { testSecret } from "../support/constants";
import { echoOf, gateway } from "../support/gateway";
import {
  authorizeClient,
  bearer,
  codeFor,
  createClient,
  oauthApi,
  oauthError,
  policyFor,
  redirectUri,
  setUp,
  tokenRequest,
  tokensOf,
  type CreatedClient,
} from "./support";

const api = "grants-api";

describe("Tyk's OAuth server grants", () => {
  let client: CreatedClient;

  beforeAll(async () => {
    await setUp(
      [oauthApi(api), oauthApi("cc-only", { oauth_meta: { allowed_access_types: ["client_credentials"], allowed_authorize_types: ["code"] } })],
      [policyFor("grants-policy", [api, "cc-only"])],
    );
    client = await createClient({ api_id: api, policy_id: "grants-policy" });
  });

  describe("client_credentials", () => {
    it("issues an access token without a refresh token, which opens the API", async () => {
      const tokens = await tokensOf(await tokenRequest(api, client, { grant_type: "client_credentials" }));
      expect(tokens).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
      expect(tokens.refresh_token).toBeUndefined();
      const echo = await echoOf(await gateway(`/${api}/hello`, bearer(tokens.access_token)));
      expect(echo.path).toBe("/hello");
    });

    it("refuses a wrong secret, an unknown client and a request without client authentication with osin's errors (403)", async () => {
      const wrong = await tokenRequest(api, { ...client, secret: "wrong" }, { grant_type: "client_credentials" });
      expect(wrong.status).toBe(403);
      expect(await oauthError(wrong)).toEqual({
        error: "unauthorized_client",
        error_description: "The client is not authorized to request a token using this method.",
      });
      expect((await oauthError(await tokenRequest(api, { client_id: "nobody", secret: "x" }, { grant_type: "client_credentials" }))).error).toBe(
        "unauthorized_client",
      );
      const anonymous = await gateway(`/${api}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials",
      });
      expect(anonymous.status).toBe(403);
      expect((await oauthError(anonymous)).error).toBe("invalid_request");
    });

    it("refuses a grant type the API does not allow, and GET token requests", async () => {
      const other = await createClient({ api_id: "cc-only", policy_id: "grants-policy" });
      const refused = await tokenRequest("cc-only", other, { grant_type: "password", username: "a", password: "b" });
      expect(refused.status).toBe(403);
      expect((await oauthError(refused)).error).toBe("unsupported_grant_type");
      const get = await gateway(`/${api}/oauth/token?grant_type=client_credentials`, {
        headers: { authorization: `Basic ${btoa(`${client.client_id}:${client.secret}`)}` },
      });
      expect((await oauthError(get)).error).toBe("invalid_request");
    });
  });

  describe("authorization_code", () => {
    it("passes the client's authorize request to the login app with a 307, after checking the client", async () => {
      const query = `response_type=code&client_id=${client.client_id}&redirect_uri=${encodeURIComponent(redirectUri)}&state=s1`;
      const passed = await gateway(`/${api}/oauth/authorize?${query}`, { redirect: "manual" });
      expect(passed.status).toBe(307);
      expect(passed.headers.get("location")).toBe(`http://127.0.0.1:9/login?${query}`);
      const unknown = await gateway(`/${api}/oauth/authorize?response_type=code&client_id=nobody`, { redirect: "manual" });
      expect(unknown.status).toBe(403);
      expect(await unknown.json()).toEqual({ status: "error", message: "The client is not authorized to request a token using this method." });
    });

    it("makes a code only for the login app holding the Gateway API secret", async () => {
      const init = {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: `response_type=code&client_id=${client.client_id}`,
      };
      const response = await gateway(`/${api}/tyk/oauth/authorize-client/`, init);
      expect(response.status).toBe(403);
      const approved = await authorizeClient(api, { response_type: "code", client_id: client.client_id, redirect_uri: redirectUri, state: "xyz" });
      const body = (await approved.json()) as { code: string; state: string; redirect_to: string };
      expect(body.state).toBe("xyz");
      expect(body.redirect_to).toBe(`${redirectUri}?code=${body.code}&state=xyz`);
    });

    it("exchanges a code for an access and a refresh token, once", async () => {
      const code = await codeFor(api, client.client_id);
      const tokens = await tokensOf(await tokenRequest(api, client, { grant_type: "authorization_code", code, redirect_uri: redirectUri }));
      expect(tokens.refresh_token).toBeTruthy();
      expect((await gateway(`/${api}/x`, bearer(tokens.access_token))).status).toBe(200);
      const reused = await tokenRequest(api, client, { grant_type: "authorization_code", code, redirect_uri: redirectUri });
      expect(reused.status).toBe(403);
      expect((await oauthError(reused)).error).toBe("invalid_grant");
    });

    it("grants one token when the same code is redeemed twice at once", async () => {
      const code = await codeFor(api, client.client_id);
      const redeem = () => tokenRequest(api, client, { grant_type: "authorization_code", code, redirect_uri: redirectUri });
      const answers = await Promise.all([redeem(), redeem(), redeem(), redeem()]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 403, 403, 403]);
    });

    it("refuses an expired code", async () => {
      const code = "an-expired-code-for-the-test";
      const grant = { redirect_uri: redirectUri, scope: "", user_data: null, code_challenge: "", code_challenge_method: "plain" };
      const grants = env.OAUTH_GRANTS.get(env.OAUTH_GRANTS.idFromName(api));
      await grants.saveCode(await sha256Hex(code), client.client_id, JSON.stringify(grant), Date.now() - 1000);
      const response = await tokenRequest(api, client, { grant_type: "authorization_code", code, redirect_uri: redirectUri });
      expect((await oauthError(response)).error).toBe("invalid_grant");
    });

    it("refuses a redirect URI other than the code's, or outside the client's", async () => {
      const code = await codeFor(api, client.client_id);
      const mismatch = await tokenRequest(api, client, { grant_type: "authorization_code", code, redirect_uri: "http://127.0.0.1:9/callback/deeper" });
      expect((await oauthError(mismatch)).error).toBe("invalid_request");
      const foreign = await authorizeClient(api, { response_type: "code", client_id: client.client_id, redirect_uri: "http://evil.test/callback" });
      expect(foreign.status).toBe(403);
      expect((await oauthError(foreign)).error).toBe("invalid_request");
    });

    it("refuses a code issued to another client, which stays usable by its own", async () => {
      const other = await createClient({ api_id: api, policy_id: "grants-policy" });
      const code = await codeFor(api, client.client_id);
      const stolen = await tokenRequest(api, other, { grant_type: "authorization_code", code, redirect_uri: redirectUri });
      expect((await oauthError(stolen)).error).toBe("invalid_grant");
      expect((await tokenRequest(api, client, { grant_type: "authorization_code", code, redirect_uri: redirectUri })).status).toBe(200);
    });

    it("answers an unsupported response type with where to send the user", async () => {
      const other = await createClient({ api_id: "cc-only", policy_id: "grants-policy" });
      const response = await authorizeClient("cc-only", { response_type: "token", client_id: other.client_id, redirect_uri: redirectUri, state: "s" });
      expect(response.status).toBe(403);
      const body = (await response.json()) as Record<string, string>;
      expect(body.error).toBe("unsupported_response_type");
      expect(body.redirect_to).toContain(`${redirectUri}?error=unsupported_response_type`);
    });

    it("checks a PKCE verifier against the code's challenge (S256)", async () => {
      const verifier = `${"a".repeat(43)}-verifier`;
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
      const challenge = btoa(String.fromCharCode(...digest))
        .replaceAll("+", "-")
        .replaceAll("/", "_")
        .replaceAll("=", "");
      const redeem = async (extra: Record<string, string>) => {
        const code = await codeFor(api, client.client_id, { code_challenge: challenge, code_challenge_method: "S256" });
        return tokenRequest(api, client, { grant_type: "authorization_code", code, redirect_uri: redirectUri, ...extra });
      };
      expect((await oauthError(await redeem({}))).error).toBe("invalid_request");
      expect((await oauthError(await redeem({ code_verifier: "b".repeat(50) }))).error).toBe("invalid_grant");
      expect((await redeem({ code_verifier: verifier })).status).toBe(200);
    });

    it("issues the implicit grant's token to the login app, with the key rules it gives", async () => {
      const keyRules = JSON.stringify({ org_id: "default", access_rights: { [api]: { api_id: api, versions: ["Default"] } }, meta_data: { user: "ann" } });
      const response = await authorizeClient(api, { response_type: "token", client_id: client.client_id, redirect_uri: redirectUri, key_rules: keyRules });
      const body = (await response.json()) as { access_token: string; redirect_to: string };
      expect(body.redirect_to).toMatch(new RegExp(`^${redirectUri}#access_token=`));
      expect((await gateway(`/${api}/x`, bearer(body.access_token))).status).toBe(200);
    });
  });

  describe("refresh_token", () => {
    it("trades a refresh token for new tokens once, ending the old access token", async () => {
      const first = await tokensOf(
        await tokenRequest(api, client, { grant_type: "authorization_code", code: await codeFor(api, client.client_id), redirect_uri: redirectUri }),
      );
      const second = await tokensOf(await tokenRequest(api, client, { grant_type: "refresh_token", refresh_token: first.refresh_token! }));
      expect(second.access_token).not.toBe(first.access_token);
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect((await gateway(`/${api}/x`, bearer(first.access_token))).status).toBe(403);
      expect((await gateway(`/${api}/x`, bearer(second.access_token))).status).toBe(200);
      const reused = await tokenRequest(api, client, { grant_type: "refresh_token", refresh_token: first.refresh_token! });
      expect((await oauthError(reused)).error).toBe("invalid_grant");
    });

    it("refuses a refresh token revoked through the Gateway API", async () => {
      const tokens = await tokensOf(
        await tokenRequest(api, client, { grant_type: "authorization_code", code: await codeFor(api, client.client_id), redirect_uri: redirectUri }),
      );
      const revoked = await gateway(`/tyk/oauth/refresh/${encodeURIComponent(tokens.refresh_token!)}?api_id=${api}`, {
        method: "DELETE",
        headers: { "x-tyk-authorization": testSecret },
      });
      expect(await revoked.json()).toEqual({ key: tokens.refresh_token, status: "ok", action: "deleted" });
      const response = await tokenRequest(api, client, { grant_type: "refresh_token", refresh_token: tokens.refresh_token! });
      expect((await oauthError(response)).error).toBe("invalid_grant");
    });

    it("refuses a refresh token presented by another client", async () => {
      const other = await createClient({ api_id: api, policy_id: "grants-policy" });
      const tokens = await tokensOf(
        await tokenRequest(api, client, { grant_type: "authorization_code", code: await codeFor(api, client.client_id), redirect_uri: redirectUri }),
      );
      const response = await tokenRequest(api, other, { grant_type: "refresh_token", refresh_token: tokens.refresh_token! });
      expect((await oauthError(response)).error).toBe("invalid_client");
    });
  });
});
