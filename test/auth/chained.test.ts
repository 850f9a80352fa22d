import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { hashKey, generateToken } from "../../src/session/keys";
import { admin } from "../support/admin";
import { gateway, loadApis, store } from "../support/gateway";
import { accessTo, basicHeader, expectError, securedApi, sessionProbe } from "./support";

/*
 * Classic Tyk runs every enabled auth method (basic → HMAC → JWT → auth
 * token) and all must pass; the session the request carries comes from
 * `base_identity_provided_by`, or the last method when it is unset.
 */

const jwtSecret = new TextEncoder().encode("chained-jwt-secret-chained-jwt-!!");
const chained = (apiId: string, extra: Record<string, unknown>) =>
  securedApi(apiId, { use_basic_auth: true, use_standard_auth: true, auth_configs: { authToken: { auth_header_name: "X-Api-Key" } }, ...extra });

describe("chained auth", () => {
  let apiKey: string;

  beforeAll(async () => {
    await store().put("policies", "chain-jwt", { id: "chain-jwt", org_id: "default", rate: 5, per: 1, access_rights: accessTo("jwt-and-token") });
    await loadApis(
      chained("basic-then-token", { base_identity_provided_by: "auth_token" }),
      chained("basic-identity", { base_identity_provided_by: "basic_auth_user" }),
      chained("unset-identity", {}),
      securedApi("jwt-and-token", {
        enable_jwt: true,
        use_standard_auth: true,
        jwt_source: btoa(new TextDecoder().decode(jwtSecret)),
        jwt_default_policies: ["chain-jwt"],
        auth_configs: { jwt: { auth_header_name: "X-Jwt" } },
        base_identity_provided_by: "jwt_claim",
      }),
    );
    const everything = accessTo("basic-then-token", "basic-identity", "unset-identity", "jwt-and-token");
    await admin("POST", "/keys/chain-user", { org_id: "default", access_rights: everything, basic_auth_data: { password: "pw" } });
    apiKey = ((await admin("POST", "/keys/create", { org_id: "default", access_rights: everything })).body as { key: string }).key;
  });

  const both = () => ({ authorization: basicHeader("chain-user", "pw"), "x-api-key": apiKey });

  it("needs every method to pass, and answers with the first failure in Tyk's order", async () => {
    expect((await gateway("/basic-then-token/x", { headers: both() })).status).toBe(200);
    await expectError(
      await gateway("/basic-then-token/x", { headers: { authorization: basicHeader("chain-user", "pw") } }),
      401,
      "Authorization field missing",
    );
    await expectError(
      await gateway("/basic-then-token/x", { headers: { ...both(), "x-api-key": "unknown-key" } }),
      403,
      "Access to this API has been disallowed",
    );
    const wrongPassword = await gateway("/basic-then-token/x", { headers: { ...both(), authorization: basicHeader("chain-user", "bad") } });
    await expectError(wrongPassword, 401, "User not authorised");
  });

  it("carries the session of base_identity_provided_by, else of the last method", async () => {
    const probe = sessionProbe();
    const tokenId = await hashKey(apiKey, "sha256");
    const userId = await hashKey(generateToken("default", "chain-user", "sha256"), "sha256");
    expect((await probe("/basic-then-token/x", { headers: both() })).sessionId).toBe(tokenId);
    expect((await probe("/basic-identity/x", { headers: both() })).sessionId).toBe(userId);
    expect((await probe("/unset-identity/x", { headers: both() })).sessionId).toBe(tokenId);
  });

  it("takes the JWT identity's session when JWT is the base identity", async () => {
    const token = await new SignJWT({ sub: "jwt-user" }).setProtectedHeader({ alg: "HS256" }).sign(jwtSecret);
    const probe = sessionProbe();
    const result = await probe("/jwt-and-token/x", { headers: { "x-jwt": token, authorization: apiKey } });
    expect(result.status).toBe(200);
    expect(result.session).toMatchObject({ alias: "jwt-user", apply_policies: ["chain-jwt"], rate: 5, per: 1 });
    await expectError(await gateway("/jwt-and-token/x", { headers: { "x-jwt": token } }), 401, "Authorization field missing");
    await expectError(await gateway("/jwt-and-token/x", { headers: { authorization: apiKey } }), 400, "Authorization field missing");
  });
});
