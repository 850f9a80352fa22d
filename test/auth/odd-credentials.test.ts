import { SignJWT, type JWTPayload } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { generateToken, hashKey } from "../../src/session/keys";
import { echoOf, gateway, loadApis, store } from "../support/gateway";
import { accessTo, expectError, gatewayWith, securedApi } from "./support";

/*
 * Credentials a client can put in a header that are not plain ASCII: other
 * scripts, emoji, bidi controls, Latin-1 bytes, and keys longer than a store
 * key may be. Each gets Tyk's 401/403/400 for the auth method, never a 500.
 */

const disallowed = "Access to this API has been disallowed";
const unauthorised = "User not authorised";
const hmacInvalid = "Authorization field missing, malformed or invalid";
const jwtSecret = "a-shared-hmac-secret-of-32-bytes!";
const odd = ["ключ", "😀", "\u202eabc\u202c", "é", "eyключ", "ey\u00e9\u00e9"];

/** Base64 of the UTF-8 bytes, as a client encodes a non-ASCII user name. */
const base64Utf8 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
const basic = (user: string, password: string) => ({ authorization: `Basic ${base64Utf8(`${user}:${password}`)}` });
const signJwt = (claims: JWTPayload, kid?: string) =>
  new SignJWT(claims).setProtectedHeader({ alg: "HS256", ...(kid ? { kid } : {}) }).sign(new TextEncoder().encode(jwtSecret));

/** Stores a key with a custom name the way the Gateway API does: under the hash of the token made from the name. */
async function storeNamedKey(name: string, session: Record<string, unknown>): Promise<void> {
  const token = generateToken("default", name, "sha256");
  await store().put("keys", await hashKey(token, "sha256"), { org_id: "default", ...session });
}

describe("credentials beyond Latin-1", () => {
  beforeAll(async () => {
    await store().put("policies", "odd-default", { id: "odd-default", org_id: "default", access_rights: accessTo("odd-jwt") });
    await loadApis(
      securedApi("odd-token", { use_standard_auth: true }),
      securedApi("odd-basic", { use_basic_auth: true }),
      securedApi("odd-hmac", { enable_signature_checking: true }),
      securedApi("odd-jwt", {
        enable_jwt: true,
        jwt_signing_method: "hmac",
        jwt_source: btoa(jwtSecret),
        jwt_policy_field_name: "pol",
        jwt_default_policies: ["odd-default"],
      }),
    );
    await storeNamedKey("ключ-1", { access_rights: accessTo("odd-token") });
    await storeNamedKey("пользователь", { access_rights: accessTo("odd-basic"), basic_auth_data: { password: "пароль", hash_type: "" } });
  });

  it("refuses unknown auth tokens in other scripts, emoji, bidi controls or Latin-1 as unknown keys", async () => {
    for (const key of [...odd, ...odd.map((text) => `Bearer ${text}`)]) {
      await expectError(await gateway("/odd-token/x", { headers: { authorization: key } }), 403, disallowed);
    }
  });

  it("finds a key whose custom name is not Latin-1", async () => {
    expect((await echoOf(await gateway("/odd-token/x", { headers: { authorization: "ключ-1" } }))).path).toBe("/x");
  });

  it("refuses keys too long to be a store key as unknown when keys are stored unhashed", async () => {
    const unhashed = gatewayWith({ TYK_GW_HASHKEYS: "false" });
    for (const key of ["k".repeat(600), "ключ".repeat(80), "k".repeat(380)]) {
      await expectError(await unhashed("/odd-token/x", { headers: { authorization: key } }), 403, disallowed);
      await expectError(await unhashed("/odd-basic/x", { headers: basic(key, "pw") }), 401, unauthorised);
    }
  });

  it("lets a basic auth user with a non-Latin-1 name and password in, and refuses odd names as unknown users", async () => {
    expect((await gateway("/odd-basic/x", { headers: basic("пользователь", "пароль") })).status).toBe(200);
    await expectError(await gateway("/odd-basic/x", { headers: basic("пользователь", "wrong") }), 401, unauthorised);
    for (const user of odd) await expectError(await gateway("/odd-basic/x", { headers: basic(user, "pw") }), 401, unauthorised);
    // Latin-1 bytes that are not UTF-8: decoded with replacement characters, an unknown user.
    await expectError(await gateway("/odd-basic/x", { headers: { authorization: `Basic ${btoa("\xe9\xff:pw")}` } }), 401, unauthorised);
  });

  it("answers Tyk's malformed-encoding 400 for basic credentials that are not base64", async () => {
    for (const text of odd) {
      await expectError(
        await gateway("/odd-basic/x", { headers: { authorization: `Basic ${text}` } }),
        400,
        "Attempted access with malformed header, auth data not encoded correctly",
      );
    }
  });

  it("answers Tyk's one HMAC 400 for odd key ids and signatures", async () => {
    const date = new Date().toUTCString();
    for (const text of odd) {
      const quoted = `Signature keyId="${text}",algorithm="hmac-sha256",headers="date",signature="${text}"`;
      const bare = `Signature keyId=${text},algorithm=hmac-sha256,signature=%E0%A4%A`;
      for (const authorization of [quoted, bare]) await expectError(await gateway("/odd-hmac/x", { headers: { authorization, date } }), 400, hmacInvalid);
    }
  });

  it("serves a signed JWT whose identity and kid are not Latin-1, and refuses garbage and inherited policy names", async () => {
    expect((await gateway("/odd-jwt/x", { headers: { authorization: `Bearer ${await signJwt({ sub: "ключ 😀 \u202e" }, "ключ")}` } })).status).toBe(200);
    for (const text of odd) {
      await expectError(await gateway("/odd-jwt/x", { headers: { authorization: `Bearer ${text}.${text}.${text}` } }), 403, "Key not authorized");
    }
    for (const pol of ["constructor", "__proto__", "ключ"]) {
      const token = await signJwt({ sub: "someone", pol });
      await expectError(await gateway("/odd-jwt/x", { headers: { authorization: `Bearer ${token}` } }), 403, "key not authorized: no matching policy");
    }
  });
});
