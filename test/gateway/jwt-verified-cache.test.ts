import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { admin } from "../support/admin";
import { gateway, loadApis, store } from "../support/gateway";
import { accessTo, expectError, gatewayWith, securedApi } from "../auth/support";

/*
 * The isolate remembers tokens whose signature verified (src/features/auth/jwt.ts).
 * Each test first makes a token a cache hit (two accepted requests), then
 * changes what it was verified against and expects the answer a fresh
 * verification gives.
 */

const firstSecret = "first-hmac-secret-of-32-bytes-ok!";
const secondSecret = "second-hmac-secret-of-32-bytes-ok";
const notAuthorized = "Key not authorized";
const expired = "Key not authorized: token has expired";
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const bytes = (text: string) => new TextEncoder().encode(text);
const jwksUrl = (set: string) => `${inject("jwksUrl")}/${set}/jwks.json`;

function sign(claims: JWTPayload, key: CryptoKey | Uint8Array, alg = "HS256", kid?: string): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).sign(key);
}

async function putJwks(set: string, keys: unknown[]): Promise<void> {
  const response = await fetch(jwksUrl(set), { method: "PUT", body: JSON.stringify({ keys, cacheControl: "max-age=3600" }) });
  expect(response.status).toBe(204);
}

/** Until the wall clock is past `seconds` (Unix time) by a little. */
async function sleepPast(seconds: number): Promise<void> {
  const waitMs = seconds * 1000 + 100 - Date.now();
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
}

const apiIds = ["vc-hmac", "vc-skew", "vc-jwks", "vc-perkey", "vc-other"];
const apis = (secret: string) => [
  securedApi("vc-hmac", { enable_jwt: true, jwt_signing_method: "hmac", jwt_source: btoa(secret), jwt_default_policies: ["vc-policy"] }),
  securedApi("vc-skew", {
    enable_jwt: true,
    jwt_signing_method: "hmac",
    jwt_source: btoa(firstSecret),
    jwt_default_policies: ["vc-policy"],
    jwt_expires_at_validation_skew: 1,
  }),
  securedApi("vc-jwks", { enable_jwt: true, jwt_signing_method: "rsa", jwt_source: jwksUrl("verified-cache"), jwt_default_policies: ["vc-policy"] }),
  securedApi("vc-perkey", { enable_jwt: true, jwt_signing_method: "hmac", jwt_default_policies: ["vc-policy"] }),
  securedApi("vc-other", { enable_jwt: true, jwt_signing_method: "hmac", jwt_source: btoa(secondSecret), jwt_default_policies: ["vc-policy"] }),
];

async function accepted(send: Response | Promise<Response>): Promise<void> {
  const response = await send;
  await response.body?.cancel();
  expect(response.status).toBe(200);
}

describe("JWT verification cache", () => {
  beforeAll(async () => {
    await store().put("policies", "vc-policy", { id: "vc-policy", org_id: "default", rate: 1000, per: 1, access_rights: accessTo(...apiIds) });
    await loadApis(...apis(firstSecret));
  });

  it("refuses a cached token once its exp passes, with Tyk's message", async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await sign({ sub: "expiring", exp }, bytes(firstSecret));
    await accepted(gateway("/vc-hmac/x", bearer(token)));
    await accepted(gateway("/vc-hmac/x", bearer(token)));
    await sleepPast(exp);
    await expectError(await gateway("/vc-hmac/x", bearer(token)), 401, expired);
  });

  it("applies jwt_expires_at_validation_skew to a cached token on every request", async () => {
    const exp = Math.floor(Date.now() / 1000) + 1;
    const token = await sign({ sub: "skewed", exp }, bytes(firstSecret));
    await accepted(gateway("/vc-skew/x", bearer(token)));
    await sleepPast(exp);
    await accepted(gateway("/vc-skew/x", bearer(token)));
    await sleepPast(exp + 1);
    await expectError(await gateway("/vc-skew/x", bearer(token)), 401, expired);
  });

  it("verifies a token cached for one API afresh for another API with another secret", async () => {
    const token = await sign({ sub: "two-apis" }, bytes(firstSecret));
    await accepted(gateway("/vc-hmac/x", bearer(token)));
    await accepted(gateway("/vc-hmac/x", bearer(token)));
    await expectError(await gateway("/vc-other/x", bearer(token)), 403, notAuthorized);
    await accepted(gateway("/vc-hmac/x", bearer(token)));
  });

  it("refuses a cached token once the JWKS gives its kid another key", async () => {
    const rotating = gatewayWith({ PORTCULLIS_JWKS_REFRESH_COOLDOWN_SECONDS: "0" });
    const before = await generateKeyPair("RS256", { extractable: true });
    const after = await generateKeyPair("RS256", { extractable: true });
    await putJwks("verified-cache", [{ ...(await exportJWK(before.publicKey)), kid: "k" }]);
    const oldToken = await sign({ sub: "rotated" }, before.privateKey, "RS256", "k");
    await accepted(rotating("/vc-jwks/x", bearer(oldToken)));
    await accepted(rotating("/vc-jwks/x", bearer(oldToken)));

    await putJwks("verified-cache", [{ ...(await exportJWK(after.publicKey)), kid: "k" }]);
    // An unknown kid makes the gateway fetch the set again (no cooldown here); kid "k" is now the new key.
    await expectError(await rotating("/vc-jwks/x", bearer(await sign({ sub: "x" }, after.privateKey, "RS256", "unknown"))), 403, notAuthorized);
    await expectError(await rotating("/vc-jwks/x", bearer(oldToken)), 403, notAuthorized);
    await accepted(rotating("/vc-jwks/x", bearer(await sign({ sub: "rotated" }, after.privateKey, "RS256", "k"))));
  });

  it("refuses a cached token once a reload changes the API's secret", async () => {
    const oldToken = await sign({ sub: "reloaded" }, bytes(firstSecret));
    await accepted(gateway("/vc-hmac/x", bearer(oldToken)));
    await accepted(gateway("/vc-hmac/x", bearer(oldToken)));
    await loadApis(...apis(secondSecret));
    try {
      await expectError(await gateway("/vc-hmac/x", bearer(oldToken)), 403, notAuthorized);
      await accepted(gateway("/vc-hmac/x", bearer(await sign({ sub: "reloaded" }, bytes(secondSecret)))));
    } finally {
      await loadApis(...apis(firstSecret));
    }
  });

  it("refuses a cached token once its key's jwt_data.secret changes, or the key is deleted", async () => {
    const key = (secret: string) => ({ org_id: "default", access_rights: accessTo("vc-perkey"), jwt_data: { secret } });
    expect((await admin("POST", "/keys/vc-signer", key(firstSecret))).status).toBe(200);
    const oldToken = await sign({ sub: "signer" }, bytes(firstSecret), "HS256", "vc-signer");
    await accepted(gateway("/vc-perkey/x", bearer(oldToken)));
    await accepted(gateway("/vc-perkey/x", bearer(oldToken)));

    expect((await admin("PUT", "/keys/vc-signer?org_id=default", key(secondSecret))).status).toBe(200);
    await expectError(await gateway("/vc-perkey/x", bearer(oldToken)), 403, notAuthorized);
    const newToken = await sign({ sub: "signer" }, bytes(secondSecret), "HS256", "vc-signer");
    await accepted(gateway("/vc-perkey/x", bearer(newToken)));

    expect((await admin("DELETE", "/keys/vc-signer?org_id=default")).status).toBe(200);
    await expectError(await gateway("/vc-perkey/x", bearer(newToken)), 403, notAuthorized);
  });

  it("applies a policy change to a cached token's session", async () => {
    const token = await sign({ sub: "policy-holder" }, bytes(firstSecret));
    await accepted(gateway("/vc-hmac/x", bearer(token)));
    await accepted(gateway("/vc-hmac/x", bearer(token)));
    await store().put("policies", "vc-policy", { id: "vc-policy", org_id: "default", rate: 1000, per: 1, access_rights: accessTo("vc-skew") });
    await loadApis(...apis(firstSecret));
    try {
      await expectError(await gateway("/vc-hmac/x", bearer(token)), 403, "Access to this API has been disallowed");
      await store().delete("policies", "vc-policy");
      await loadApis(...apis(firstSecret));
      await expectError(await gateway("/vc-hmac/x", bearer(token)), 403, "key not authorized: no matching policy");
    } finally {
      await store().put("policies", "vc-policy", { id: "vc-policy", org_id: "default", rate: 1000, per: 1, access_rights: accessTo(...apiIds) });
      await loadApis(...apis(firstSecret));
    }
  });
});
