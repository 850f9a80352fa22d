import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { admin } from "../support/admin";
import { gateway, loadApis, store } from "../support/gateway";
import { accessTo, expectError, gatewayWith, securedApi, sessionProbe } from "./support";

const secret = "a-shared-hmac-secret-of-32-bytes!";
const notAuthorized = "Key not authorized";
const unexpected = "Key not authorized: Unexpected signing method";
const jwksUrl = (set: string) => `${inject("jwksUrl")}/${set}/jwks.json`;
const b64url = (text: string) => btoa(text).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const now = () => Math.floor(Date.now() / 1000);

type SigningKey = CryptoKey | Uint8Array;

function sign(claims: JWTPayload, key: SigningKey, alg: string, kid?: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).sign(key);
}

const hmacKey = new TextEncoder().encode(secret);
const jwtApi = (apiId: string, extra: Record<string, unknown>) => securedApi(apiId, { enable_jwt: true, jwt_default_policies: ["jwt-default"], ...extra });

async function putJwks(set: string, keys: unknown[], cacheControl = ""): Promise<void> {
  const response = await fetch(jwksUrl(set), { method: "PUT", body: JSON.stringify({ keys, cacheControl }) });
  expect(response.status).toBe(204);
}

async function jwksFetches(set: string): Promise<number> {
  return ((await (await fetch(`${inject("jwksUrl")}/${set}/fetches`)).json()) as { count: number }).count;
}

describe("JWT", () => {
  let rsa: CryptoKeyPair;
  let ec: CryptoKeyPair;
  let rsaPem: string;

  beforeAll(async () => {
    rsa = await generateKeyPair("RS256", { extractable: true });
    ec = await generateKeyPair("ES256", { extractable: true });
    rsaPem = await exportSPKI(rsa.publicKey);
    const apis = ["jwt-client", "jwt-hmac", "jwt-rsa", "jwt-ec", "jwt-skew", "jwt-jwks", "jwt-jwks64", "jwt-rotating", "jwt-nodefault", "jwt-perkey"];
    for (const [id, body] of [
      ["jwt-default", { rate: 100, per: 60, access_rights: accessTo(...apis) }],
      ["jwt-gold", { rate: 1000, per: 1, quota_max: -1, access_rights: accessTo("jwt-hmac", "jwt-nodefault", "jwt-client") }],
      ["other-org", { org_id: "elsewhere", access_rights: accessTo("jwt-hmac") }],
    ] as const) {
      await store().put("policies", id, { id, org_id: "default", ...body });
    }
    await putJwks("main", [{ ...(await exportJWK(rsa.publicKey)), kid: "k1", use: "sig" }]);
    await putJwks("rotating", [{ ...(await exportJWK(rsa.publicKey)), kid: "old" }], "max-age=3600");
    await loadApis(
      jwtApi("jwt-hmac", { jwt_signing_method: "hmac", jwt_source: btoa(secret), jwt_identity_base_field: "user_id", jwt_policy_field_name: "pol" }),
      jwtApi("jwt-rsa", { jwt_signing_method: "rsa", jwt_source: btoa(rsaPem) }),
      jwtApi("jwt-ec", { jwt_signing_method: "ecdsa", jwt_source: btoa(await exportSPKI(ec.publicKey)) }),
      jwtApi("jwt-skew", {
        jwt_signing_method: "hmac",
        jwt_source: btoa(secret),
        jwt_expires_at_validation_skew: 60,
        jwt_not_before_validation_skew: 60,
        jwt_issued_at_validation_skew: 60,
      }),
      jwtApi("jwt-jwks", { jwt_signing_method: "rsa", jwt_source: jwksUrl("main") }),
      jwtApi("jwt-jwks64", { jwt_signing_method: "rsa", jwt_source: btoa(jwksUrl("main")) }),
      jwtApi("jwt-rotating", { jwt_signing_method: "rsa", jwt_source: jwksUrl("rotating") }),
      jwtApi("jwt-client", { jwt_signing_method: "hmac", jwt_source: btoa(secret), jwt_client_base_field: "azp" }),
      jwtApi("jwt-nodefault", { jwt_signing_method: "hmac", jwt_source: btoa(secret), jwt_default_policies: [], jwt_policy_field_name: "pol" }),
      jwtApi("jwt-perkey", { jwt_signing_method: "hmac" }),
    );
  });

  describe("verification", () => {
    it("answers 400 Authorization field missing without a token", async () => {
      await expectError(await gateway("/jwt-hmac/x"), 400, "Authorization field missing");
    });

    it("accepts a valid HS256 token, with or without Bearer", async () => {
      const token = await sign({ user_id: "u1", exp: now() + 60 }, hmacKey, "HS256");
      expect((await gateway("/jwt-hmac/x", { headers: bearer(token) })).status).toBe(200);
      expect((await gateway("/jwt-hmac/x", { headers: { authorization: token } })).status).toBe(200);
    });

    it("answers 403 Key not authorized for a bad signature or a malformed token", async () => {
      const forged = await sign({ user_id: "u1" }, new TextEncoder().encode("another-secret-another-secret-!!"), "HS256");
      await expectError(await gateway("/jwt-hmac/x", { headers: bearer(forged) }), 403, notAuthorized);
      await expectError(await gateway("/jwt-hmac/x", { headers: bearer("not.a.jwt") }), 403, notAuthorized);
      const tampered = (await sign({ user_id: "u1" }, hmacKey, "HS256")).replace(/\.[^.]+\./, `.${b64url(JSON.stringify({ user_id: "admin" }))}.`);
      await expectError(await gateway("/jwt-hmac/x", { headers: bearer(tampered) }), 403, notAuthorized);
    });

    it("refuses alg none as an unexpected signing method", async () => {
      const unsigned = `${b64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${b64url(JSON.stringify({ user_id: "u1" }))}.`;
      await expectError(await gateway("/jwt-hmac/x", { headers: bearer(unsigned) }), 403, unexpected);
      await expectError(await gateway("/jwt-rsa/x", { headers: bearer(unsigned) }), 403, unexpected);
    });

    it("refuses HS256 signed with the RSA public key (algorithm confusion)", async () => {
      const confused = await sign({ sub: "attacker" }, new TextEncoder().encode(rsaPem), "HS256");
      await expectError(await gateway("/jwt-rsa/x", { headers: bearer(confused) }), 403, unexpected);
    });

    it("verifies RSA and ECDSA tokens against a PEM jwt_source; PS256 counts as RSA", async () => {
      expect((await gateway("/jwt-rsa/x", { headers: bearer(await sign({ sub: "r" }, rsa.privateKey, "RS256")) })).status).toBe(200);
      const pss = await generateKeyPair("PS256", { extractable: true });
      const pssToken = await sign({ sub: "r" }, pss.privateKey, "PS256");
      await expectError(await gateway("/jwt-rsa/x", { headers: bearer(pssToken) }), 403, notAuthorized);
      expect((await gateway("/jwt-ec/x", { headers: bearer(await sign({ sub: "e" }, ec.privateKey, "ES256")) })).status).toBe(200);
      await expectError(await gateway("/jwt-ec/x", { headers: bearer(await sign({ sub: "e" }, rsa.privateKey, "RS256")) }), 403, unexpected);
      await expectError(await gateway("/jwt-hmac/x", { headers: bearer(await sign({ sub: "r" }, rsa.privateKey, "RS256")) }), 403, unexpected);
    });
  });

  describe("time claims", () => {
    it("answers 401 with Tyk's reason for exp, nbf and iat", async () => {
      const send = async (claims: JWTPayload) => gateway("/jwt-hmac/x", { headers: bearer(await sign({ user_id: "t", ...claims }, hmacKey, "HS256")) });
      await expectError(await send({ exp: now() - 10 }), 401, "Key not authorized: token has expired");
      await expectError(await send({ nbf: now() + 30 }), 401, "Key not authorized: token is not valid yet");
      await expectError(await send({ iat: now() + 30 }), 401, "Key not authorized: token used before issued");
      expect((await send({ exp: now() + 30, nbf: now() - 1, iat: now() - 1 })).status).toBe(200);
    });

    it("widens each check by its validation skew", async () => {
      const send = async (claims: JWTPayload) => gateway("/jwt-skew/x", { headers: bearer(await sign({ sub: "s", ...claims }, hmacKey, "HS256")) });
      expect((await send({ exp: now() - 30 })).status).toBe(200);
      expect((await send({ nbf: now() + 30 })).status).toBe(200);
      expect((await send({ iat: now() + 30 })).status).toBe(200);
      await expectError(await send({ exp: now() - 90 }), 401, "Key not authorized: token has expired");
      await expectError(await send({ nbf: now() + 90 }), 401, "Key not authorized: token is not valid yet");
    });
  });

  describe("session", () => {
    it("derives one session per identity, whatever the token", async () => {
      const probe = sessionProbe();
      const first = await probe("/jwt-hmac/x", { headers: bearer(await sign({ user_id: "same", exp: now() + 60 }, hmacKey, "HS256")) });
      const second = await probe("/jwt-hmac/x", { headers: bearer(await sign({ user_id: "same", exp: now() + 120, jti: "2" }, hmacKey, "HS256")) });
      const other = await probe("/jwt-hmac/x", { headers: bearer(await sign({ user_id: "someone-else" }, hmacKey, "HS256")) });
      expect(first.status).toBe(200);
      expect(first.sessionId).toBe(second.sessionId);
      expect(other.sessionId).not.toBe(first.sessionId);
      expect(first.session).toMatchObject({ alias: "same", org_id: "default", apply_policies: ["jwt-default"], rate: 100, per: 60 });
    });

    it("takes the policy from jwt_policy_field_name over the defaults", async () => {
      const probe = sessionProbe();
      const gold = await probe("/jwt-hmac/x", { headers: bearer(await sign({ user_id: "g", pol: "jwt-gold" }, hmacKey, "HS256")) });
      expect(gold.session).toMatchObject({ apply_policies: ["jwt-gold"], rate: 1000, per: 1, quota_max: -1 });
      expect(Object.keys(gold.session!["access_rights"] as object).sort()).toEqual(["jwt-client", "jwt-hmac", "jwt-nodefault"]);
    });

    it("refuses an unknown or foreign policy, and a token with no policy when there are no defaults", async () => {
      const send = async (path: string, claims: JWTPayload) => gateway(path, { headers: bearer(await sign(claims, hmacKey, "HS256")) });
      await expectError(await send("/jwt-hmac/x", { user_id: "p", pol: "no-such-policy" }), 403, "key not authorized: no matching policy");
      await expectError(await send("/jwt-hmac/x", { user_id: "p", pol: "other-org" }), 403, "key not authorized: no matching policy");
      await expectError(await send("/jwt-nodefault/x", { sub: "p" }), 403, "key not authorized: no matching policy found");
    });

    it("takes the policy of the key named by jwt_client_base_field", async () => {
      expect((await admin("POST", "/keys/client-app-1", { org_id: "default", apply_policies: ["jwt-gold"] })).status).toBe(200);
      const probe = sessionProbe();
      const result = await probe("/jwt-client/x", { headers: bearer(await sign({ sub: "u", azp: "client-app-1" }, hmacKey, "HS256")) });
      expect(result.session).toMatchObject({ apply_policies: ["jwt-gold"], rate: 1000, per: 1 });
      const unknownClient = await probe("/jwt-client/x", { headers: bearer(await sign({ sub: "u", azp: "nobody" }, hmacKey, "HS256")) });
      expect(unknownClient.session).toMatchObject({ apply_policies: ["jwt-default"] });
    });

    it("needs an identity claim", async () => {
      await expectError(
        await gateway("/jwt-rsa/x", { headers: bearer(await sign({ name: "nobody" }, rsa.privateKey, "RS256")) }),
        403,
        "no suitable claims for user ID were found",
      );
    });
  });

  describe("JWKS", () => {
    it("verifies with the key named by kid, fetching the set once", async () => {
      const before = await jwksFetches("main");
      for (let round = 0; round < 3; round++) {
        const token = await sign({ sub: `jwks-${round}` }, rsa.privateKey, "RS256", "k1");
        expect((await gateway("/jwt-jwks/x", { headers: bearer(token) })).status).toBe(200);
      }
      expect((await gateway("/jwt-jwks64/x", { headers: bearer(await sign({ sub: "b64" }, rsa.privateKey, "RS256", "k1")) })).status).toBe(200);
      expect(await jwksFetches("main")).toBe(before + 1);
    });

    it("refuses a token without kid or with a kid the set does not have", async () => {
      await expectError(await gateway("/jwt-jwks/x", { headers: bearer(await sign({ sub: "x" }, rsa.privateKey, "RS256")) }), 403, notAuthorized);
      await expectError(await gateway("/jwt-jwks/x", { headers: bearer(await sign({ sub: "x" }, rsa.privateKey, "RS256", "nope")) }), 403, notAuthorized);
    });

    it("refetches at most once per cooldown for unknown kids", async () => {
      const before = await jwksFetches("main");
      for (const kid of ["random-1", "random-2", "random-3"]) {
        await expectError(await gateway("/jwt-jwks/x", { headers: bearer(await sign({ sub: "x" }, rsa.privateKey, "RS256", kid)) }), 403, notAuthorized);
      }
      expect(await jwksFetches("main")).toBeLessThanOrEqual(before + 1);
    });

    it("picks up a rotated key when a token names the new kid, and drops the old key", async () => {
      const rotating = gatewayWith({ PORTCULLIS_JWKS_REFRESH_COOLDOWN_SECONDS: "0" });
      const rotated = await generateKeyPair("RS256", { extractable: true });
      const oldToken = await sign({ sub: "r" }, rsa.privateKey, "RS256", "old");
      expect((await rotating("/jwt-rotating/x", { headers: bearer(oldToken) })).status).toBe(200);
      const fetched = await jwksFetches("rotating");

      await putJwks("rotating", [{ ...(await exportJWK(rotated.publicKey)), kid: "new" }], "max-age=3600");
      // Within max-age the cached set still serves the old key.
      expect((await rotating("/jwt-rotating/x", { headers: bearer(oldToken) })).status).toBe(200);
      const newToken = await sign({ sub: "r" }, rotated.privateKey, "RS256", "new");
      expect((await rotating("/jwt-rotating/x", { headers: bearer(newToken) })).status).toBe(200);
      expect(await jwksFetches("rotating")).toBe(fetched + 1);
      await expectError(await rotating("/jwt-rotating/x", { headers: bearer(oldToken) }), 403, notAuthorized);
    });
  });

  describe("keys holding their own secret (no jwt_source)", () => {
    it("verifies with the jwt_data.secret of the key named by kid", async () => {
      const session = { org_id: "default", access_rights: accessTo("jwt-perkey"), jwt_data: { secret: "per-key-secret-per-key-secret-!!" } };
      expect((await admin("POST", "/keys/jwt-client", session)).status).toBe(200);
      const own = new TextEncoder().encode("per-key-secret-per-key-secret-!!");
      expect((await gateway("/jwt-perkey/x", { headers: bearer(await sign({ sub: "c" }, own, "HS256", "jwt-client")) })).status).toBe(200);
      await expectError(await gateway("/jwt-perkey/x", { headers: bearer(await sign({ sub: "c" }, hmacKey, "HS256", "jwt-client")) }), 403, notAuthorized);
      await expectError(await gateway("/jwt-perkey/x", { headers: bearer(await sign({ sub: "c" }, own, "HS256", "unknown-client")) }), 403, notAuthorized);
    });
  });
});
