import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { hex } from "../../src/lib/encoding";
import { generateToken, hashKey } from "../../src/session/keys";
import { gateway, loadApis, store } from "../support/gateway";
import { introspectionClient, slowMs } from "../support/introspection-server";
import { createKey } from "../support/keys";
import { accessTo, expectError, securedApi, sessionProbe } from "./support";

/*
 * Tyk's external OAuth (`external_oauth`) through the real Worker: JWT
 * providers checked locally (static HMAC secret, RS256 through the loopback
 * JWKS), introspection against the loopback endpoint that counts its calls.
 */

const secret = "an-external-idp-secret-of-32-byte";
const hmacKey = new TextEncoder().encode(secret);
const now = () => Math.floor(Date.now() / 1000);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const jwksUrl = (set: string) => `${inject("jwksUrl")}/${set}/jwks.json`;
const realmUrl = (realm: string) => `${inject("introspectionUrl")}/${realm}`;
const validationFailed = "error happened during the access token validation";
const notValid = "access token is not valid";

function sign(claims: JWTPayload, key: CryptoKey | Uint8Array, alg = "HS256", kid?: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).sign(key);
}

function jwtProvider(jwt: Record<string, unknown>) {
  return { enabled: true, providers: [{ jwt: { enabled: true, ...jwt }, introspection: { enabled: false } }] };
}

function introspectionProvider(realm: string, extra: Record<string, unknown> = {}) {
  const introspection = {
    enabled: true,
    url: `${realmUrl(realm)}/introspect`,
    client_id: introspectionClient.id,
    client_secret: introspectionClient.secret,
    ...extra,
  };
  return { enabled: true, providers: [{ jwt: { enabled: false }, introspection }] };
}

const externalApi = (apiId: string, externalOAuth: unknown, extra: Record<string, unknown> = {}) =>
  securedApi(apiId, { external_oauth: externalOAuth, ...extra });

async function realm(name: string, method: "PUT" | "GET", resource: string, body?: unknown): Promise<Response> {
  return fetch(`${realmUrl(name)}/${resource}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

async function introspectionCalls(name: string): Promise<number> {
  return ((await (await realm(name, "GET", "calls")).json()) as { count: number }).count;
}

/** The virtual key Tyk derives for an identity (org + md5(identity)), as stored by the Gateway API. */
async function virtualKey(identity: string): Promise<string> {
  const md5 = hex(await crypto.subtle.digest("MD5", new TextEncoder().encode(identity)));
  return generateToken("default", md5, "sha256");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("external OAuth", () => {
  let rsa: CryptoKeyPair;
  let chainedKey: string;

  beforeAll(async () => {
    rsa = await generateKeyPair("RS256", { extractable: true });
    const keys = [{ ...(await exportJWK(rsa.publicKey)), kid: "ext-1", use: "sig" }];
    expect((await fetch(jwksUrl("ext-oauth"), { method: "PUT", body: JSON.stringify({ keys }) })).status).toBe(204);
    const active = { active: true, sub: "carol", username: "dave", exp: now() + 3600 };
    const tokens = { "tok-active": active, "tok-inactive": { active: false, sub: "carol" }, "tok-no-identity": { active: true } };
    for (const name of ["ext-intro", "ext-cache", "ext-nocache", "ext-faults", "ext-wrong-client", "ext-expiry", "ext-limited"]) {
      expect((await realm(name, "PUT", "tokens", tokens)).status).toBe(204);
    }
    chainedKey = await createKey({ access_rights: accessTo("ext-chained") });
    await store().put("policies", "ext-policy", { id: "ext-policy", org_id: "default", rate: 2, per: 60, access_rights: accessTo("ext-limited") });
    await loadApis(
      externalApi("ext-hmac", jwtProvider({ signing_method: "hmac", source: btoa(secret), identity_base_field: "user_id" })),
      externalApi("ext-rsa", jwtProvider({ signing_method: "rsa", source: jwksUrl("ext-oauth") })),
      externalApi(
        "ext-skew",
        jwtProvider({
          signing_method: "hmac",
          source: btoa(secret),
          expires_at_validation_skew: 60,
          issued_at_validation_skew: 60,
          not_before_validation_skew: 60,
        }),
      ),
      externalApi("ext-header", jwtProvider({ signing_method: "hmac", source: btoa(secret) }), {
        auth_configs: { externalOAuth: { auth_header_name: "X-Access-Token", use_param: true, param_name: "access_token" } },
      }),
      externalApi("ext-none", { enabled: true, providers: [] }),
      externalApi("ext-neither", { enabled: true, providers: [{ jwt: { enabled: false }, introspection: { enabled: false } }] }),
      externalApi("ext-intro", introspectionProvider("ext-intro", { identity_base_field: "username" })),
      externalApi("ext-cache", introspectionProvider("ext-cache", { cache: { enabled: true, timeout: 1 } })),
      externalApi("ext-nocache", introspectionProvider("ext-nocache")),
      externalApi("ext-faults", introspectionProvider("ext-faults")),
      externalApi("ext-wrong-client", introspectionProvider("ext-wrong-client", { client_secret: "not-the-secret" })),
      externalApi("ext-expiry", introspectionProvider("ext-expiry", { cache: { enabled: true, timeout: 0 } })),
      externalApi("ext-limited", introspectionProvider("ext-limited", { cache: { enabled: true, timeout: 60 } })),
      externalApi("ext-chained", jwtProvider({ signing_method: "hmac", source: btoa(secret) }), {
        use_standard_auth: true,
        auth: { auth_header_name: "X-Api-Key" },
        base_identity_provided_by: "external_oauth",
      }),
    );
  });

  describe("JWT provider", () => {
    it("answers 400 authorization field missing without a token", async () => {
      await expectError(await gateway("/ext-hmac/x"), 400, "authorization field missing");
    });

    it("accepts an HS256 token signed with the base64 source, with or without Bearer", async () => {
      const token = await sign({ user_id: "u1", exp: now() + 60 }, hmacKey);
      expect((await gateway("/ext-hmac/x", { headers: bearer(token) })).status).toBe(200);
      expect((await gateway("/ext-hmac/x", { headers: { authorization: token } })).status).toBe(200);
    });

    it("answers 401 for a bad signature or a malformed token", async () => {
      const forged = await sign({ user_id: "u1" }, new TextEncoder().encode("some-other-secret-of-32-bytes!!!"));
      await expectError(await gateway("/ext-hmac/x", { headers: bearer(forged) }), 401, "token verification failed: signature is invalid");
      await expectError(
        await gateway("/ext-hmac/x", { headers: bearer("blah") }),
        401,
        "token verification failed: token contains an invalid number of segments",
      );
      await expectError(await gateway("/ext-hmac/x", { headers: bearer("a.b.c") }), 401, "token verification failed: token is malformed");
    });

    it("answers 500 for a token of another algorithm family, as Tyk does", async () => {
      const rsaSigned = await sign({ user_id: "u1" }, rsa.privateKey, "RS256", "ext-1");
      await expectError(await gateway("/ext-hmac/x", { headers: bearer(rsaSigned) }), 500, validationFailed);
      const unsigned = `${btoa(JSON.stringify({ alg: "none" })).replace(/=+$/, "")}.${btoa(JSON.stringify({ sub: "x" })).replace(/=+$/, "")}.`;
      await expectError(await gateway("/ext-rsa/x", { headers: bearer(unsigned) }), 500, validationFailed);
    });

    it("verifies RS256 against the JWKS source; an unknown kid is 500, another key's signature 401", async () => {
      expect((await gateway("/ext-rsa/x", { headers: bearer(await sign({ sub: "r" }, rsa.privateKey, "RS256", "ext-1")) })).status).toBe(200);
      await expectError(await gateway("/ext-rsa/x", { headers: bearer(await sign({ sub: "r" }, rsa.privateKey, "RS256", "nope")) }), 500, validationFailed);
      const other = await generateKeyPair("RS256");
      await expectError(
        await gateway("/ext-rsa/x", { headers: bearer(await sign({ sub: "r" }, other.privateKey, "RS256", "ext-1")) }),
        401,
        "token verification failed: signature is invalid",
      );
    });

    it("answers 401 key not authorized for exp, iat and nbf out of range", async () => {
      const send = async (claims: JWTPayload) => gateway("/ext-hmac/x", { headers: bearer(await sign({ user_id: "t", ...claims }, hmacKey)) });
      await expectError(await send({ exp: now() - 10 }), 401, "key not authorized: token has expired");
      await expectError(await send({ iat: now() + 30 }), 401, "key not authorized: token used before issued");
      await expectError(await send({ nbf: now() + 30 }), 401, "key not authorized: token is not valid yet");
    });

    it("widens each time check by its validation skew", async () => {
      const send = async (claims: JWTPayload) => gateway("/ext-skew/x", { headers: bearer(await sign({ sub: "s", ...claims }, hmacKey)) });
      expect((await send({ exp: now() - 30 })).status).toBe(200);
      expect((await send({ iat: now() + 30 })).status).toBe(200);
      expect((await send({ nbf: now() + 30 })).status).toBe(200);
      await expectError(await send({ exp: now() - 90 }), 401, "key not authorized: token has expired");
    });

    it("takes the identity from identity_base_field, else sub; none is 500", async () => {
      const probe = sessionProbe();
      const byField = await probe("/ext-hmac/x", { headers: bearer(await sign({ user_id: "erin", sub: "ignored" }, hmacKey)) });
      const bySub = await probe("/ext-hmac/x", { headers: bearer(await sign({ sub: "erin" }, hmacKey)) });
      expect(byField.status).toBe(200);
      expect(byField.sessionId).toBe(await hashKey(await virtualKey("erin"), "sha256"));
      expect(bySub.sessionId).toBe(byField.sessionId);
      await expectError(await gateway("/ext-hmac/x", { headers: bearer(await sign({ name: "nobody" }, hmacKey)) }), 500, validationFailed);
    });

    it("reads the token where auth_configs.externalOAuth says", async () => {
      const token = await sign({ sub: "h" }, hmacKey);
      await expectError(await gateway("/ext-header/x", { headers: bearer(token) }), 400, "authorization field missing");
      expect((await gateway("/ext-header/x", { headers: { "x-access-token": token } })).status).toBe(200);
      expect((await gateway(`/ext-header/x?access_token=${token}`)).status).toBe(200);
    });
  });

  describe("configuration errors", () => {
    it("answers 404 without providers and 500 when the provider enables no method, as Tyk does", async () => {
      await expectError(await gateway("/ext-none/x", { headers: bearer("t") }), 404, "there should be at least one provider configured");
      await expectError(await gateway("/ext-neither/x", { headers: bearer("t") }), 500, "access token validation method is not specified");
    });
  });

  describe("introspection", () => {
    it("passes an active token and refuses an inactive or unknown one with 401", async () => {
      expect((await gateway("/ext-intro/x", { headers: bearer("tok-active") })).status).toBe(200);
      await expectError(await gateway("/ext-intro/x", { headers: bearer("tok-inactive") }), 401, notValid);
      await expectError(await gateway("/ext-intro/x", { headers: bearer("tok-unknown") }), 401, notValid);
    });

    it("takes the identity from identity_base_field; an answer with none is 500", async () => {
      const probe = sessionProbe();
      const result = await probe("/ext-intro/x", { headers: bearer("tok-active") });
      expect(result.sessionId).toBe(await hashKey(await virtualKey("dave"), "sha256"));
      await expectError(await gateway("/ext-intro/x", { headers: bearer("tok-no-identity") }), 500, validationFailed);
    });

    it("gives an identity without a stored key Tyk's virtual session: this API only, 10000 per 60 s, no quota", async () => {
      const result = await sessionProbe()("/ext-intro/x", { headers: bearer("tok-active") });
      expect(result.session).toMatchObject({ org_id: "default", rate: 10000, per: 60, quota_max: -1, apply_policies: [] });
      expect(Object.keys(result.session?.["access_rights"] as object)).toEqual(["ext-intro"]);
    });

    it("refuses with 500 when the provider rejects the gateway's client credentials", async () => {
      await expectError(await gateway("/ext-wrong-client/x", { headers: bearer("tok-active") }), 500, validationFailed);
    });

    it("answers 500, never a pass, when the endpoint fails, answers no JSON or no active flag", async () => {
      for (const mode of ["error", "bad-json", "no-active"]) {
        expect((await realm("ext-faults", "PUT", "mode", { mode })).status).toBe(204);
        await expectError(await gateway("/ext-faults/x", { headers: bearer("tok-active") }), 500, validationFailed);
      }
      expect((await realm("ext-faults", "PUT", "mode", { mode: "ok" })).status).toBe(204);
      expect((await gateway("/ext-faults/x", { headers: bearer("tok-active") })).status).toBe(200);
    });

    it("gives up on a slow endpoint after 2 s with 500", async () => {
      expect((await realm("ext-faults", "PUT", "mode", { mode: "slow" })).status).toBe(204);
      try {
        const started = Date.now();
        await expectError(await gateway("/ext-faults/x", { headers: bearer("tok-active") }), 500, validationFailed);
        const elapsed = Date.now() - started;
        expect(elapsed).toBeGreaterThanOrEqual(1_900);
        expect(elapsed).toBeLessThan(slowMs);
      } finally {
        await realm("ext-faults", "PUT", "mode", { mode: "ok" });
      }
    });
  });

  describe("introspection cache", () => {
    it("asks the provider once per token while the answer is cached, then again after cache.timeout", async () => {
      const before = await introspectionCalls("ext-cache");
      for (let i = 0; i < 5; i++) expect((await gateway("/ext-cache/x", { headers: bearer("tok-active") })).status).toBe(200);
      expect(await introspectionCalls("ext-cache")).toBe(before + 1);
      await sleep(1_100);
      expect((await gateway("/ext-cache/x", { headers: bearer("tok-active") })).status).toBe(200);
      expect(await introspectionCalls("ext-cache")).toBe(before + 2);
    });

    it("asks on every request when the cache is off", async () => {
      const before = await introspectionCalls("ext-nocache");
      for (let i = 0; i < 3; i++) expect((await gateway("/ext-nocache/x", { headers: bearer("tok-active") })).status).toBe(200);
      expect(await introspectionCalls("ext-nocache")).toBe(before + 3);
    });

    it("refuses a cached token once its exp has passed, without asking again", async () => {
      expect((await realm("ext-expiry", "PUT", "tokens", { "tok-short": { active: true, sub: "frank", exp: now() + 1 } })).status).toBe(204);
      expect((await gateway("/ext-expiry/x", { headers: bearer("tok-short") })).status).toBe(200);
      const calls = await introspectionCalls("ext-expiry");
      await sleep(2_100);
      await expectError(await gateway("/ext-expiry/x", { headers: bearer("tok-short") }), 401, "token is expired");
      expect(await introspectionCalls("ext-expiry")).toBe(calls);
    });
  });

  describe("sessions", () => {
    it("uses the key stored under the identity's virtual key: its policy and rate limit apply", async () => {
      // An identity no earlier request looked up, so no isolate remembers it without a key.
      expect((await realm("ext-limited", "PUT", "tokens", { "tok-grace": { active: true, sub: "grace" } })).status).toBe(204);
      await createKey({ apply_policies: ["ext-policy"] }, await virtualKey("grace"));
      const result = await sessionProbe()("/ext-limited/x", { headers: bearer("tok-grace") });
      expect(result.session).toMatchObject({ apply_policies: ["ext-policy"], rate: 2, per: 60 });
      expect((await gateway("/ext-limited/x", { headers: bearer("tok-grace") })).status).toBe(200);
      expect((await gateway("/ext-limited/x", { headers: bearer("tok-grace") })).status).toBe(200);
      await expectError(await gateway("/ext-limited/x", { headers: bearer("tok-grace") }), 429, "Rate Limit Exceeded");
    });

    it("runs before the auth token when chained; base_identity_provided_by external_oauth picks its session", async () => {
      const token = await sign({ sub: "heidi" }, hmacKey);
      await expectError(await gateway("/ext-chained/x", { headers: { "x-api-key": chainedKey } }), 400, "authorization field missing");
      await expectError(await gateway("/ext-chained/x", { headers: bearer(token) }), 401, "Authorization field missing");
      const result = await sessionProbe()("/ext-chained/x", { headers: { ...bearer(token), "x-api-key": chainedKey } });
      expect(result.status).toBe(200);
      expect(result.sessionId).toBe(await hashKey(await virtualKey("heidi"), "sha256"));
    });
  });
});
