import { beforeAll, describe, expect, it } from "vitest";
import { admin } from "../support/admin";
import { gateway, loadApis, reload, store } from "../support/gateway";
import { accessTo, expectError, securedApi, sessionProbe } from "./support";

const disallowed = "Access to this API has been disallowed";

async function putPolicy(id: string, body: Record<string, unknown>): Promise<void> {
  await store().put("policies", id, { id, org_id: "default", ...body });
}

async function createKey(body: Record<string, unknown>): Promise<string> {
  const reply = await admin("POST", "/keys/create", { org_id: "default", ...body });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return (reply.body as { key: string }).key;
}

describe("policies", () => {
  beforeAll(async () => {
    await putPolicy("basic-access", { rate: 10, per: 60, quota_max: 100, quota_renewal_rate: 3600, access_rights: accessTo("pol-api") });
    await putPolicy("fast", { rate: 100, per: 1, quota_max: -1, access_rights: accessTo("pol-api") });
    await putPolicy("slow", { rate: 1, per: 60, quota_max: 5, access_rights: accessTo("pol-api", "pol-other") });
    await putPolicy("quota-only", { quota_max: 42, quota_renewal_rate: 60, partitions: { quota: true }, access_rights: accessTo("pol-api") });
    await putPolicy("acl-only", { rate: 999, per: 1, partitions: { acl: true }, access_rights: accessTo("pol-api", "pol-other") });
    await putPolicy("per-api", {
      partitions: { per_api: true },
      access_rights: {
        "pol-api": { api_id: "pol-api", versions: ["Default"], limit: { rate: 7, per: 1, quota_max: 70 } },
        "pol-other": { api_id: "pol-other", versions: ["Default"] },
      },
      rate: 3,
      per: 1,
    });
    await putPolicy("trial", { key_expires_in: 3600, access_rights: accessTo("pol-api") });
    await putPolicy("switchable", { access_rights: accessTo("pol-api") });
    await putPolicy("disabled", { active: false, access_rights: accessTo("pol-api") });
    await putPolicy("suspended", { is_inactive: true, access_rights: accessTo("pol-api") });
    await loadApis(securedApi("pol-api", { use_standard_auth: true }), securedApi("pol-other", { use_standard_auth: true }));
  });

  it("lets a key with only policies be created (it is not a master key) and grants what the policy grants", async () => {
    const key = await createKey({ apply_policies: ["basic-access"] });
    expect((await gateway("/pol-api/x", { headers: { authorization: key } })).status).toBe(200);
    await expectError(await gateway("/pol-other/x", { headers: { authorization: key } }), 403, disallowed);
  });

  it("still refuses a key with neither access rights nor policies", async () => {
    const reply = await admin("POST", "/keys/create", { org_id: "default" });
    expect(reply).toMatchObject({ status: 400, body: { message: "Failed to create key, keys must have at least one Access Rights record set." } });
  });

  it("honours the legacy apply_policy_id", async () => {
    const key = await createKey({ apply_policy_id: "basic-access" });
    expect((await gateway("/pol-api/x", { headers: { authorization: key } })).status).toBe(200);
  });

  it("merges several policies: rights unioned, the most permissive rate and quota win", async () => {
    const key = await createKey({ apply_policies: ["slow", "fast"], rate: 1, per: 3600 });
    const { session } = await sessionProbe()("/pol-api/x", { headers: { authorization: key } });
    expect(session).toMatchObject({ rate: 100, per: 1, quota_max: -1 });
    expect(Object.keys(session!["access_rights"] as object).sort()).toEqual(["pol-api", "pol-other"]);
    expect((await gateway("/pol-other/x", { headers: { authorization: key } })).status).toBe(200);
  });

  it("applies partitions: quota from one policy, access from another, rate from the key", async () => {
    const key = await createKey({ apply_policies: ["quota-only", "acl-only"], rate: 2, per: 1, access_rights: accessTo("pol-api") });
    const { session } = await sessionProbe()("/pol-other/x", { headers: { authorization: key } });
    expect(session).toMatchObject({ quota_max: 42, quota_renewal_rate: 60, rate: 2, per: 1 });
    expect((session!["access_rights"] as Record<string, { limit: Record<string, number> }>)["pol-other"]!.limit).toMatchObject({
      rate: 2,
      per: 1,
      quota_max: 42,
    });
  });

  it("keeps per-API limits and counter scopes with partitions.per_api", async () => {
    const key = await createKey({ apply_policies: ["per-api"] });
    const { session } = await sessionProbe()("/pol-api/x", { headers: { authorization: key } });
    const rights = session!["access_rights"] as Record<string, { allowance_scope: string; limit: Record<string, number> }>;
    expect(rights["pol-api"]).toMatchObject({ allowance_scope: "pol-api", limit: { rate: 7, per: 1, quota_max: 70 } });
    expect(rights["pol-other"]).toMatchObject({ allowance_scope: "per-api", limit: { rate: 3, per: 1 } });
  });

  it("sets the key's expiry from key_expires_in when the key is created", async () => {
    const before = Math.floor(Date.now() / 1000);
    const reply = await admin("POST", "/keys/create", { org_id: "default", apply_policies: ["trial"] });
    const stored = (await store().get("keys", (reply.body as { key_hash: string }).key_hash)) as { expires: number };
    expect(stored.expires).toBeGreaterThanOrEqual(before + 3600);
    expect(stored.expires).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 3600);
  });

  it("refuses keys whose policy is inactive (is_inactive, or active: false)", async () => {
    for (const policy of ["disabled", "suspended"]) {
      const key = await createKey({ apply_policies: [policy] });
      await expectError(await gateway("/pol-api/x", { headers: { authorization: key } }), 403, "Key is inactive, please renew");
    }
  });

  it("refuses a key whose only policy does not exist", async () => {
    const key = await createKey({ apply_policies: ["no-such-policy"] });
    await expectError(await gateway("/pol-api/x", { headers: { authorization: key } }), 403, disallowed);
  });

  it("applies a policy change to existing keys on reload, without re-saving the keys", async () => {
    const key = await createKey({ apply_policies: ["switchable"] });
    expect((await gateway("/pol-api/x", { headers: { authorization: key } })).status).toBe(200);
    await putPolicy("switchable", { is_inactive: true, access_rights: accessTo("pol-api") });
    await reload();
    await expectError(await gateway("/pol-api/x", { headers: { authorization: key } }), 403, "Key is inactive, please renew");
    await putPolicy("switchable", { access_rights: accessTo("pol-other") });
    await reload();
    await expectError(await gateway("/pol-api/x", { headers: { authorization: key } }), 403, disallowed);
    expect((await gateway("/pol-other/x", { headers: { authorization: key } })).status).toBe(200);
  });
});
