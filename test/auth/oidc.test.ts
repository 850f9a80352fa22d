import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from "jose";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { gateway, loadApis, store } from "../support/gateway";
import { accessTo, expectError, gatewayWith, securedApi, sessionProbe } from "./support";

/*
 * OpenID Connect against the loopback provider (test/support/oidc-provider.ts):
 * each issuer name is its own provider, so fetch counts start from zero.
 */

const notAuthorised = "Key not authorised";
const issuer = (name: string) => `${inject("oidcProviderUrl")}/${name}`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const now = () => Math.floor(Date.now() / 1000);
/** Tyk keys `client_ids` by base64 of the client id. */
const clients = (entries: Record<string, string>) => Object.fromEntries(Object.entries(entries).map(([id, policy]) => [btoa(id), policy]));

async function publish(name: string, keys: { key: CryptoKey; kid: string }[], cacheControl = ""): Promise<void> {
  const jwks = await Promise.all(keys.map(async ({ key, kid }) => ({ ...(await exportJWK(key)), kid, use: "sig" })));
  const response = await fetch(`${issuer(name)}/jwks`, { method: "PUT", body: JSON.stringify({ keys: jwks, cacheControl }) });
  expect(response.status).toBe(204);
}

async function counts(name: string): Promise<{ discovery: number; jwks: number }> {
  return (await (await fetch(`${issuer(name)}/counts`)).json()) as { discovery: number; jwks: number };
}

function oidcApi(apiId: string, providers: { name: string; clients: Record<string, string> }[], extra: Record<string, unknown> = {}) {
  const entries = providers.map(({ name, clients: ids }) => ({ issuer: issuer(name), client_ids: clients(ids) }));
  return securedApi(apiId, { use_openid: true, openid_options: { providers: entries, segregate_by_client: false }, ...extra });
}

describe("OpenID Connect", () => {
  let idp: CryptoKeyPair;
  let other: CryptoKeyPair;
  const token = (claims: JWTPayload, key: CryptoKey = idp.privateKey, kid = "k1", alg = "RS256") =>
    new SignJWT({ iss: issuer("main"), aud: "web-app", sub: "alice", exp: now() + 60, iat: now(), ...claims }).setProtectedHeader({ alg, kid }).sign(key);

  beforeAll(async () => {
    idp = await generateKeyPair("RS256", { extractable: true });
    other = await generateKeyPair("RS256", { extractable: true });
    const apis = ["oidc", "oidc-segregated", "oidc-scopes", "oidc-counted", "oidc-rotating"];
    for (const [id, body] of [
      ["oidc-web", { rate: 5, per: 60, quota_max: 100, quota_renewal_rate: 3600, access_rights: accessTo(...apis) }],
      ["oidc-mobile", { rate: 1000, per: 1, quota_max: -1, access_rights: accessTo(...apis) }],
      ["oidc-elsewhere", { rate: 10, per: 1, access_rights: accessTo("somewhere-else") }],
      ["oidc-read", { rate: 7, per: 1, access_rights: accessTo("oidc-scopes") }],
      ["oidc-write", { rate: 70, per: 1, access_rights: accessTo("oidc-scopes") }],
    ] as const) {
      await store().put("policies", id, { id, org_id: "default", ...body });
    }
    for (const name of ["main", "counted", "rotating"]) await publish(name, [{ key: idp.publicKey, kid: "k1" }], "max-age=3600");
    const main = {
      name: "main",
      clients: { "web-app": "oidc-web", "mobile-app": "oidc-mobile", "lost-app": "no-such-policy", "walled-app": "oidc-elsewhere" },
    };
    await loadApis(
      oidcApi("oidc", [main]),
      oidcApi("oidc-segregated", [main], {
        openid_options: { providers: [{ issuer: issuer("main"), client_ids: clients(main.clients) }], segregate_by_client: true },
      }),
      oidcApi("oidc-scopes", [main], {
        scopes: { oidc: { scope_claim_name: "scp", scope_to_policy: { "orders:read": "oidc-read", "orders:write": "oidc-write" } } },
      }),
      oidcApi("oidc-counted", [{ name: "counted", clients: { "web-app": "oidc-mobile" } }]),
      oidcApi("oidc-rotating", [{ name: "rotating", clients: { "web-app": "oidc-mobile" } }]),
    );
  });

  describe("verification", () => {
    it("accepts a valid ID token and applies the client's policy: rate, quota and access", async () => {
      const probe = sessionProbe();
      const result = await probe("/oidc/x", { headers: bearer(await token({})) });
      expect(result.status).toBe(200);
      expect(result.session).toMatchObject({ apply_policies: ["oidc-web"], rate: 5, per: 60, quota_max: 100, alias: "web-app:alice" });
      expect(result.session?.["meta_data"]).toMatchObject({ ClientID: "web-app" });
      const mobile = await probe("/oidc/x", { headers: bearer(await token({ aud: ["someone", "mobile-app"] })) });
      expect(mobile.session).toMatchObject({ apply_policies: ["oidc-mobile"], rate: 1000, per: 1, quota_max: -1 });

      expect((await gateway("/oidc/x", { headers: bearer(await token({ sub: "rate-limited" })) })).status).toBe(200);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await gateway("/oidc/x", { headers: bearer(await token({ sub: "rate-limited" })) })).status);
      expect(statuses.at(-1)).toBe(429);
      await expectError(await gateway("/oidc/x", { headers: bearer(await token({ aud: "walled-app" })) }), 403, "Access to this API has been disallowed");
    });

    it("answers 401 Key not authorised without a Bearer ID token", async () => {
      await expectError(await gateway("/oidc/x"), 401, notAuthorised);
      await expectError(await gateway("/oidc/x", { headers: { authorization: await token({}) } }), 401, notAuthorised);
      await expectError(await gateway("/oidc/x", { headers: bearer("not.a.token") }), 401, notAuthorised);
    });

    it("refuses a token from an issuer that is not a provider", async () => {
      await expectError(await gateway("/oidc/x", { headers: bearer(await token({ iss: issuer("counted") })) }), 401, notAuthorised);
      await expectError(await gateway("/oidc/x", { headers: bearer(await token({ iss: undefined })) }), 401, notAuthorised);
    });

    it("refuses a client id the provider does not list", async () => {
      await expectError(await gateway("/oidc/x", { headers: bearer(await token({ aud: "stranger-app" })) }), 401, notAuthorised);
      await expectError(await gateway("/oidc/x", { headers: bearer(await token({ aud: btoa("web-app") })) }), 401, notAuthorised);
    });

    it("refuses expired and not-yet-valid tokens, and tokens without a subject", async () => {
      await expectError(await gateway("/oidc/x", { headers: bearer(await token({ exp: now() - 5 })) }), 401, notAuthorised);
      await expectError(await gateway("/oidc/x", { headers: bearer(await token({ nbf: now() + 60 })) }), 401, notAuthorised);
      await expectError(await gateway("/oidc/x", { headers: bearer(await token({ sub: "" })) }), 401, notAuthorised);
    });

    it("refuses a bad signature, an unknown kid and an HMAC token", async () => {
      await expectError(await gateway("/oidc/x", { headers: bearer(await token({}, other.privateKey)) }), 401, notAuthorised);
      const tampered = (await token({})).split(".");
      tampered[1] = btoa(JSON.stringify({ iss: issuer("main"), aud: "mobile-app", sub: "alice", exp: now() + 60 })).replace(/=+$/, "");
      await expectError(await gateway("/oidc/x", { headers: bearer(tampered.join(".")) }), 401, notAuthorised);
      await expectError(await gateway("/oidc/x", { headers: bearer(await token({}, idp.privateKey, "k-unknown")) }), 401, notAuthorised);
      const hmac = await new SignJWT({ iss: issuer("main"), aud: "web-app", sub: "alice" })
        .setProtectedHeader({ alg: "HS256", kid: "k1" })
        .sign(new Uint8Array(32));
      await expectError(await gateway("/oidc/x", { headers: bearer(hmac) }), 401, notAuthorised);
    });

    it("answers 403 when the client's policy does not exist", async () => {
      await expectError(await gateway("/oidc/x", { headers: bearer(await token({ aud: "lost-app" })) }), 403, "Key not authorized: no matching policy");
    });
  });

  describe("provider keys", () => {
    it("fetches the discovery document and the key set once across many requests", async () => {
      const fresh = gatewayWith({});
      for (let i = 0; i < 20; i++) {
        const response = await fresh("/oidc-counted/x", { headers: bearer(await token({ iss: issuer("counted"), sub: `user-${i % 3}` })) });
        expect(response.status).toBe(200);
      }
      expect(await counts("counted")).toEqual({ discovery: 1, jwks: 1 });
    });

    it("picks up a rotated key when a token names the new kid", async () => {
      const rotating = gatewayWith({ PORTCULLIS_JWKS_REFRESH_COOLDOWN_SECONDS: "0" });
      const send = async (key: CryptoKey, kid: string) => rotating("/oidc-rotating/x", { headers: bearer(await token({ iss: issuer("rotating") }, key, kid)) });
      expect((await send(idp.privateKey, "k1")).status).toBe(200);
      const before = await counts("rotating");
      await publish("rotating", [{ key: other.publicKey, kid: "k2" }], "max-age=3600");
      expect((await send(other.privateKey, "k2")).status).toBe(200);
      expect(await counts("rotating")).toEqual({ discovery: before.discovery, jwks: before.jwks + 1 });
      await expectError(await send(idp.privateKey, "k1"), 401, notAuthorised);
    });
  });

  describe("sessions", () => {
    it("keys one session per user, shared by the clients unless segregate_by_client", async () => {
      const probe = sessionProbe();
      const web = await probe("/oidc/x", { headers: bearer(await token({ sub: "bob" })) });
      const mobile = await probe("/oidc/x", { headers: bearer(await token({ sub: "bob", aud: "mobile-app" })) });
      const carol = await probe("/oidc/x", { headers: bearer(await token({ sub: "carol" })) });
      expect(web.sessionId).toBe(mobile.sessionId);
      expect(carol.sessionId).not.toBe(web.sessionId);
      const segregatedWeb = await probe("/oidc-segregated/x", { headers: bearer(await token({ sub: "bob" })) });
      const segregatedMobile = await probe("/oidc-segregated/x", { headers: bearer(await token({ sub: "bob", aud: "mobile-app" })) });
      expect(segregatedWeb.status).toBe(200);
      expect(segregatedWeb.sessionId).not.toBe(segregatedMobile.sessionId);
      expect(segregatedWeb.sessionId).not.toBe(web.sessionId);
    });

    it("shares rate limits between the tokens of one user", async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await gateway("/oidc/x", { headers: bearer(await token({ sub: "dave", jti: `t${i}` })) })).status);
      expect(statuses.slice(0, 5).every((status) => status === 200)).toBe(true);
      expect(statuses[5]).toBe(429);
    });

    it("maps scopes.oidc scopes to policies instead of the client's", async () => {
      const probe = sessionProbe();
      const read = await probe("/oidc-scopes/x", { headers: bearer(await token({ scp: "openid orders:read" })) });
      expect(read.session).toMatchObject({ apply_policies: ["oidc-read"], rate: 7 });
      const both = await probe("/oidc-scopes/x", { headers: bearer(await token({ scp: ["orders:write", "orders:read"] })) });
      expect(both.session).toMatchObject({ apply_policies: ["oidc-write", "oidc-read"], rate: 70 });
      await expectError(await gateway("/oidc-scopes/x", { headers: bearer(await token({ scp: "openid" })) }), 403, "Key not authorized: no matching policy");
    });
  });
});
