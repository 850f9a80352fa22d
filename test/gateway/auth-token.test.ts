import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { hashKey } from "../../src/session/keys";
import { echoOf, gateway, keylessApi, loadApis, store, tykError } from "../support/gateway";
import { accessTo, createKey } from "../support/keys";

const protectedApi = (apiId: string, overrides: Record<string, unknown> = {}) =>
  keylessApi({ api_id: apiId, use_keyless: false, use_standard_auth: true, proxy: { listen_path: `/${apiId}/` }, ...overrides });

async function expectError(response: Response, status: number, message: string) {
  expect(response.status).toBe(status);
  expect(await tykError(response)).toBe(message);
}

describe("auth token APIs", () => {
  let key: string;

  beforeAll(async () => {
    await loadApis(
      protectedApi("secure"),
      protectedApi("other"),
      protectedApi("custom-auth", {
        auth: { auth_header_name: "X-Api-Key", use_param: true, param_name: "api_key", use_cookie: true, cookie_name: "session" },
      }),
      protectedApi("ignoring", {
        version_data: { not_versioned: true, versions: { Default: { name: "Default", extended_paths: { ignored: [{ path: "/public" }] } } } },
      }),
      protectedApi("versioned", {
        definition: { location: "header", key: "x-api-version" },
        version_data: { not_versioned: false, versions: { v1: { name: "v1" }, v2: { name: "v2" } } },
      }),
      // Tyk's sample with no auth switches at all falls back to the auth token.
      { api_id: "implicit", org_id: "default", proxy: { listen_path: "/implicit/", target_url: "http://127.0.0.1:9" } },
    );
    key = await createKey(accessTo("secure"));
  });

  it("answers 401 Authorization field missing without a key", async () => {
    await expectError(await gateway("/secure/x"), 401, "Authorization field missing");
    await expectError(await gateway("/implicit/x"), 401, "Authorization field missing");
  });

  it("answers 403 for an unknown key", async () => {
    await expectError(await gateway("/secure/x", { headers: { authorization: "no-such-key" } }), 403, "Access to this API has been disallowed");
  });

  it("proxies with a valid key, with or without a Bearer prefix", async () => {
    expect((await gateway("/secure/x", { headers: { authorization: key } })).status).toBe(200);
    expect((await gateway("/secure/x", { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
  });

  it("stores keys hashed, never raw", async () => {
    expect(await env.GATEWAY_KV.get(`apikey-${key}`)).toBeNull();
    expect(await env.GATEWAY_KV.get(`apikey-${await hashKey(key, "sha256")}`)).not.toBeNull();
  });

  it("reads the key from the configured header, query parameter or cookie", async () => {
    const custom = await createKey(accessTo("custom-auth"));
    expect((await gateway("/custom-auth/x", { headers: { authorization: custom } })).status).toBe(401);
    expect((await gateway("/custom-auth/x", { headers: { "x-api-key": custom } })).status).toBe(200);
    expect((await gateway(`/custom-auth/x?api_key=${encodeURIComponent(custom)}`)).status).toBe(200);
    expect((await gateway("/custom-auth/x", { headers: { cookie: `a=b; session=${encodeURIComponent(custom)}` } })).status).toBe(200);
  });

  it("refuses a key without access to this API", async () => {
    await expectError(await gateway("/other/x", { headers: { authorization: key } }), 403, "Access to this API has been disallowed");
  });

  it("treats a key with no access rights as a master key", async () => {
    const master = await createKey({});
    expect((await gateway("/other/x", { headers: { authorization: master } })).status).toBe(200);
  });

  it("answers 401 Key has expired for an expired key", async () => {
    const expired = await createKey({ ...accessTo("secure"), expires: Math.floor(Date.now() / 1000) - 60 });
    await expectError(await gateway("/secure/x", { headers: { authorization: expired } }), 401, "Key has expired, please renew");
    const neverExpires = await createKey({ ...accessTo("secure"), expires: -1 });
    expect((await gateway("/secure/x", { headers: { authorization: neverExpires } })).status).toBe(200);
  });

  it("answers 403 Key is inactive for an inactive key", async () => {
    const inactive = await createKey({ ...accessTo("secure"), is_inactive: true });
    await expectError(await gateway("/secure/x", { headers: { authorization: inactive } }), 403, "Key is inactive, please renew");
  });

  it("checks the version against the key's access rights", async () => {
    const v1Only = await createKey({ access_rights: { versioned: { api_id: "versioned", versions: ["v1"] } } });
    expect((await gateway("/versioned/x", { headers: { authorization: v1Only, "x-api-version": "v1" } })).status).toBe(200);
    await expectError(
      await gateway("/versioned/x", { headers: { authorization: v1Only, "x-api-version": "v2" } }),
      403,
      "Access to this API has been disallowed",
    );
  });

  it("enforces allowed_urls per path and method", async () => {
    const limited = await createKey(accessTo("secure", { allowed_urls: [{ url: "/users/{id}$", methods: ["GET"] }, { url: "/health" }] }));
    const headers = { authorization: limited };
    expect((await gateway("/secure/users/7", { headers })).status).toBe(200);
    expect((await gateway("/secure/health", { method: "POST", headers })).status).toBe(200);
    await expectError(await gateway("/secure/users/7", { method: "DELETE", headers }), 403, "Access to this resource has been disallowed");
    await expectError(await gateway("/secure/orders", { headers }), 403, "Access to this resource has been disallowed");
  });

  it("skips authentication on ignored paths", async () => {
    expect((await gateway("/ignoring/public")).status).toBe(200);
    expect((await gateway("/ignoring/private")).status).toBe(401);
  });

  it("passes the session-carrying request upstream untouched", async () => {
    const echo = await echoOf(await gateway("/secure/x", { headers: { authorization: key } }));
    expect(echo.headers.authorization).toBe(key);
  });

  it("serves a cached session without reading the store again", async () => {
    const cachedKey = await createKey(accessTo("secure"));
    expect((await gateway("/secure/x", { headers: { authorization: cachedKey } })).status).toBe(200);
    await store().delete("keys", await hashKey(cachedKey, "sha256"));
    expect((await gateway("/secure/x", { headers: { authorization: cachedKey } })).status).toBe(200);
  });
});
