import { SignJWT, type JWTPayload } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { gateway, loadApis, store } from "../support/gateway";
import { accessTo, expectError, securedApi, sessionProbe } from "./support";

/* Tyk's JWT scope → policy mapping: `scopes.jwt`, or the deprecated fields while `scopes` is empty. */

const secret = new TextEncoder().encode("a-shared-hmac-secret-of-32-bytes!");
const bearer = async (claims: JWTPayload) => ({
  authorization: `Bearer ${await new SignJWT({ sub: "user", ...claims }).setProtectedHeader({ alg: "HS256" }).sign(secret)}`,
});
const mapping = { "orders:read": "scope-read", "orders:write": "scope-write", admin: "scope-missing" };

function scopedApi(apiId: string, extra: Record<string, unknown>) {
  return securedApi(apiId, {
    enable_jwt: true,
    jwt_signing_method: "hmac",
    jwt_source: btoa(new TextDecoder().decode(secret)),
    jwt_default_policies: ["scope-default"],
    ...extra,
  });
}

describe("JWT scopes", () => {
  beforeAll(async () => {
    const apis = ["scopes", "scopes-claim", "scopes-nested", "scopes-deprecated", "scopes-overridden", "scopes-nodefault"];
    for (const [id, rate] of [
      ["scope-default", 1],
      ["scope-read", 10],
      ["scope-write", 100],
      ["scope-claimed", 1000],
    ] as const) {
      await store().put("policies", id, { id, org_id: "default", rate, per: 1, access_rights: accessTo(...apis) });
    }
    await loadApis(
      scopedApi("scopes", { scopes: { jwt: { scope_to_policy: mapping } }, jwt_policy_field_name: "pol" }),
      scopedApi("scopes-claim", { scopes: { jwt: { scope_claim_name: "permissions", scope_to_policy: mapping } } }),
      scopedApi("scopes-nested", { scopes: { jwt: { scope_claim_name: "realm_access.roles", scope_to_policy: mapping } } }),
      scopedApi("scopes-deprecated", { jwt_scope_claim_name: "scp", jwt_scope_to_policy_mapping: mapping }),
      // With `scopes` set, the deprecated mapping is not read.
      scopedApi("scopes-overridden", { jwt_scope_to_policy_mapping: mapping, scopes: { jwt: { scope_claim_name: "scp" } } }),
      scopedApi("scopes-nodefault", { jwt_default_policies: [], scopes: { jwt: { scope_to_policy: mapping } }, jwt_policy_field_name: "pol" }),
    );
  });

  it("maps a space-separated scope claim to policies, replacing the default ones", async () => {
    const result = await sessionProbe()("/scopes/x", { headers: await bearer({ scope: "openid orders:read orders:write" }) });
    expect(result.status).toBe(200);
    expect(result.session).toMatchObject({ apply_policies: ["scope-read", "scope-write"], rate: 100 });
  });

  it("reads an array of scopes, each element whole", async () => {
    const result = await sessionProbe()("/scopes/x", { headers: await bearer({ scope: ["orders:read", "orders:write orders:read"] }) });
    expect(result.session).toMatchObject({ apply_policies: ["scope-read"], rate: 10 });
  });

  it("keeps the policy the token claims and adds the mapped ones", async () => {
    const result = await sessionProbe()("/scopes/x", { headers: await bearer({ pol: "scope-claimed", scope: "orders:read" }) });
    expect(result.session).toMatchObject({ apply_policies: ["scope-claimed", "scope-read"], rate: 1000 });
  });

  it("falls back to the default policies when the token has no scope claim", async () => {
    const result = await sessionProbe()("/scopes/x", { headers: await bearer({}) });
    expect(result.session).toMatchObject({ apply_policies: ["scope-default"], rate: 1 });
  });

  it("refuses a token whose scopes map to no policy, or to one that does not exist", async () => {
    await expectError(
      await gateway("/scopes/x", { headers: await bearer({ scope: "openid profile" }) }),
      403,
      "key not authorized: no matching policy found in scope claim",
    );
    await expectError(
      await gateway("/scopes/x", { headers: await bearer({ scope: "admin orders:read" }) }),
      403,
      "key not authorized: could not apply several policies",
    );
  });

  it("needs a policy from somewhere when there are no defaults", async () => {
    await expectError(await gateway("/scopes-nodefault/x", { headers: await bearer({}) }), 403, "key not authorized: no matching policy found");
    const result = await sessionProbe()("/scopes-nodefault/x", { headers: await bearer({ scope: "orders:write" }) });
    expect(result.session).toMatchObject({ apply_policies: ["scope-write"] });
  });

  it("reads scopes from a custom claim name, and from a dotted path", async () => {
    const custom = await sessionProbe()("/scopes-claim/x", { headers: await bearer({ scope: "orders:read", permissions: "orders:write" }) });
    expect(custom.session).toMatchObject({ apply_policies: ["scope-write"] });
    const nested = await sessionProbe()("/scopes-nested/x", { headers: await bearer({ realm_access: { roles: ["orders:read"] } }) });
    expect(nested.session).toMatchObject({ apply_policies: ["scope-read"] });
  });

  it("honours the deprecated jwt_scope_claim_name and jwt_scope_to_policy_mapping only while scopes is empty", async () => {
    const deprecated = await sessionProbe()("/scopes-deprecated/x", { headers: await bearer({ scp: "orders:read" }) });
    expect(deprecated.session).toMatchObject({ apply_policies: ["scope-read"] });
    const overridden = await sessionProbe()("/scopes-overridden/x", { headers: await bearer({ scp: "orders:read" }) });
    expect(overridden.session).toMatchObject({ apply_policies: ["scope-default"] });
  });
});
