import { beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "../../src/auth/password-hash";
import { generateToken, hashKey } from "../../src/session/keys";
import { admin } from "../support/admin";
import { echoOf, gateway, loadApis, store } from "../support/gateway";
import { accessTo, basicHeader, expectError, gatewayWith, securedApi } from "./support";

const realm = 'Basic realm="Basic API"';
const user = (password: string, extra: Record<string, unknown> = {}) => ({
  org_id: "default",
  access_rights: accessTo("basic", "body-basic"),
  basic_auth_data: { password, hash_type: "" },
  ...extra,
});

async function expectChallenge(response: Response, message: string): Promise<void> {
  expect(response.headers.get("www-authenticate")).toBe(realm);
  await expectError(response, 401, message);
}

/** Stores a session the way Tyk itself would have (for migrated keys): under the hash of the user's token. */
async function storeMigratedUser(username: string, basicAuthData: { password: string; hash_type: string }): Promise<void> {
  const token = generateToken("default", username, "sha256");
  await store().put("keys", await hashKey(token, "sha256"), { org_id: "default", access_rights: accessTo("basic"), basic_auth_data: basicAuthData });
}

describe("basic auth", () => {
  beforeAll(async () => {
    await loadApis(
      securedApi("basic", { name: "Basic API", use_basic_auth: true }),
      securedApi("body-basic", {
        name: "Basic API",
        use_basic_auth: true,
        basic_auth: { extract_from_body: true, body_user_regexp: "<User>([^<]*)</User>", body_password_regexp: "<Password>([^<]*)</Password>" },
      }),
    );
    expect((await admin("POST", "/keys/alice", user("wonderland"))).status).toBe(200);
  });

  it("stores the password hashed with PBKDF2-SHA256, never in plain text", async () => {
    const stored = (await store().get("keys", await hashKey(generateToken("default", "alice", "sha256"), "sha256"))) as {
      basic_auth_data: { password: string; hash_type: string };
    };
    expect(stored.basic_auth_data.hash_type).toBe("pbkdf2-sha256");
    expect(stored.basic_auth_data.password).toMatch(/^\$pbkdf2-sha256\$i=100000\$/);
    expect(JSON.stringify(stored)).not.toContain("wonderland");
  });

  it("lets a user in with the right password and passes the request upstream", async () => {
    const response = await gateway("/basic/x", { headers: { authorization: basicHeader("alice", "wonderland") } });
    expect((await echoOf(response)).path).toBe("/x");
  });

  it("answers 401 Authorization field missing with a Basic challenge without a header", async () => {
    await expectChallenge(await gateway("/basic/x"), "Authorization field missing");
  });

  it("answers 401 User not authorised for a wrong password or an unknown user", async () => {
    await expectChallenge(await gateway("/basic/x", { headers: { authorization: basicHeader("alice", "wrong") } }), "User not authorised");
    await expectChallenge(await gateway("/basic/x", { headers: { authorization: basicHeader("bob", "wonderland") } }), "User not authorised");
  });

  it("answers 400 with Tyk's messages for malformed headers", async () => {
    const malformed = "Attempted access with malformed header";
    await expectError(await gateway("/basic/x", { headers: { authorization: "Basic" } }), 400, `${malformed}, header not in basic auth format`);
    await expectError(await gateway("/basic/x", { headers: { authorization: "Basic %%%" } }), 400, `${malformed}, auth data not encoded correctly`);
    await expectError(
      await gateway("/basic/x", { headers: { authorization: `Basic ${btoa("a:b:c")}` } }),
      400,
      `${malformed}, values not in basic auth format`,
    );
  });

  it("checks a changed password at once and keeps the old one out", async () => {
    await admin("POST", "/keys/carol", user("first"));
    expect((await gateway("/basic/x", { headers: { authorization: basicHeader("carol", "first") } })).status).toBe(200);
    expect((await admin("PUT", "/keys/carol?org_id=default", user("second"))).status).toBe(200);
    expect((await gateway("/basic/x", { headers: { authorization: basicHeader("carol", "second") } })).status).toBe(200);
    await expectChallenge(await gateway("/basic/x", { headers: { authorization: basicHeader("carol", "first") } }), "User not authorised");
  });

  it("refuses a key that has no basic auth password, where Tyk would accept an empty one", async () => {
    await admin("POST", "/keys/nopass", { org_id: "default", access_rights: accessTo("basic") });
    await expectChallenge(await gateway("/basic/x", { headers: { authorization: basicHeader("nopass", "") } }), "User not authorised");
  });

  it("verifies passwords of keys migrated from Tyk: bcrypt, sha256, murmur64 and plain text", async () => {
    await storeMigratedUser("tyk-bcrypt", await hashPassword("b-secret", "bcrypt"));
    await storeMigratedUser("tyk-sha256", { password: await hashKey("s-secret", "sha256"), hash_type: "sha256" });
    await storeMigratedUser("tyk-murmur", { password: String(hashKey("m-secret", "murmur64")), hash_type: "murmur64" });
    await storeMigratedUser("tyk-plain", { password: "p-secret", hash_type: "" });
    for (const [username, password] of [
      ["tyk-bcrypt", "b-secret"],
      ["tyk-sha256", "s-secret"],
      ["tyk-murmur", "m-secret"],
      ["tyk-plain", "p-secret"],
    ] as const) {
      expect((await gateway("/basic/x", { headers: { authorization: basicHeader(username, password) } })).status, username).toBe(200);
      await expectChallenge(await gateway("/basic/x", { headers: { authorization: basicHeader(username, "nope") } }), "User not authorised");
    }
  });

  it("reads credentials from the body with extract_from_body, keeping the body for the upstream", async () => {
    const body = "<Login><User>alice</User><Password>wonderland</Password></Login>";
    const response = await gateway("/body-basic/login", { method: "POST", body });
    expect((await echoOf(response)).body).toBe(body);
    await expectError(await gateway("/body-basic/login", { method: "POST", body: "<Login/>" }), 400, "Body do not contain username");
    await expectError(await gateway("/body-basic/login", { method: "POST", body: "<User>alice</User>" }), 400, "Body do not contain password");
    await expectChallenge(await gateway("/body-basic/login", { method: "POST", body: "<User>alice</User><Password>bad</Password>" }), "User not authorised");
  });

  it("hashes new passwords with TYK_GW_BASICAUTHHASHKEYFUNCTION when set", async () => {
    const withBcrypt = gatewayWith({ TYK_GW_BASICAUTHHASHKEYFUNCTION: "bcrypt" });
    const reply = await withBcrypt("/tyk/keys/dave", {
      method: "POST",
      headers: { "x-tyk-authorization": "test-admin-secret" },
      body: JSON.stringify(user("pw-dave")),
    });
    const { key_hash: hash } = (await reply.json()) as { key_hash: string };
    const stored = (await store().get("keys", hash)) as { basic_auth_data: { password: string; hash_type: string } };
    expect(stored.basic_auth_data).toMatchObject({ hash_type: "bcrypt", password: expect.stringMatching(/^\$2[aby]\$10\$/) });
    expect((await withBcrypt("/basic/x", { headers: { authorization: basicHeader("dave", "pw-dave") } })).status).toBe(200);
  });
});
