import { beforeAll, describe, expect, it } from "vitest";
import { admin } from "../support/admin";
import { echoOf, gateway, loadApis, store } from "../support/gateway";
import { createKey } from "../support/keys";
import { accessTo, expectError, securedApi } from "./support";

/*
 * API and policy ids that name properties every JavaScript object inherits.
 * A key's access rights, policies and limits are looked up by these ids; a
 * lookup that reads an inherited property would let any key in (or crash).
 */

const disallowed = "Access to this API has been disallowed";
const inherited = ["toString", "constructor", "hasOwnProperty", "__proto__", "valueOf"];

async function putPolicy(id: string, body: Record<string, unknown>): Promise<void> {
  await store().put("policies", id, { id, org_id: "default", ...body });
}

// Exact mode: the quota shown by the Gateway API counts requests, not admissions leased to the isolate (fast mode).
const apis = () => ["plain", ...inherited].map((id) => securedApi(id, { use_standard_auth: true, rate_limit_mode: "exact" }));

const call = (apiId: string, key: string, path = "/x") => gateway(`/${apiId}${path}`, { headers: { authorization: key } });

describe("API and policy ids named like inherited JavaScript properties", () => {
  beforeAll(async () => {
    await putPolicy("pol-plain", { access_rights: accessTo("plain") });
    await putPolicy("pol-per-api", {
      partitions: { per_api: true },
      access_rights: { plain: { api_id: "plain", versions: ["Default"], limit: { rate: 50, per: 1 } } },
    });
    await putPolicy("pol-acl", { partitions: { acl: true }, access_rights: accessTo("plain") });
    await putPolicy("pol-quota", { partitions: { quota: true }, quota_max: 100, quota_renewal_rate: 60, access_rights: accessTo("plain") });
    for (const id of inherited) await putPolicy(id, { access_rights: accessTo("plain") });
    await loadApis(...apis());
  });

  it.each([
    ["its own access rights", { access_rights: accessTo("plain") }],
    ["a policy", { apply_policies: ["pol-plain"] }],
    ["a per-API policy", { apply_policies: ["pol-per-api"] }],
    ["partitioned policies", { apply_policies: ["pol-acl", "pol-quota"] }],
    ["a policy whose id is an inherited name", { apply_policies: ["constructor", "__proto__"] }],
  ])("refuses a key with rights to another API only (through %s) on every such API", async (_how, session) => {
    const key = await createKey(session);
    expect((await call("plain", key)).status).toBe(200);
    for (const apiId of inherited) await expectError(await call(apiId, key), 403, disallowed);
  });

  it("refuses a key whose only policy is an inherited name that no policy has", async () => {
    for (const id of ["isPrototypeOf", "propertyIsEnumerable", "toLocaleString"]) {
      await expectError(await call("plain", await createKey({ apply_policies: [id] })), 403, disallowed);
    }
  });

  it("lets a key with rights to `constructor` call that API and nothing else", async () => {
    const key = await createKey({ access_rights: accessTo("constructor") });
    expect((await echoOf(await call("constructor", key))).path).toBe("/x");
    for (const apiId of ["plain", "toString", "__proto__", "valueOf"]) await expectError(await call(apiId, key), 403, disallowed);
  });

  it("keeps a key limited to `__proto__` limited: it is not read as a key without access rights (a master key)", async () => {
    const key = await createKey({ access_rights: accessTo("__proto__") });
    expect((await call("__proto__", key)).status).toBe(200);
    await expectError(await call("plain", key), 403, disallowed);
    await expectError(await call("constructor", key), 403, disallowed);
  });

  it("grants a policy's rights to `__proto__` and `valueOf`, and only those", async () => {
    await putPolicy("pol-odd", { access_rights: accessTo("__proto__", "valueOf") });
    await loadApis(...apis());
    const key = await createKey({ apply_policies: ["pol-odd"] });
    expect((await call("__proto__", key)).status).toBe(200);
    expect((await call("valueOf", key)).status).toBe(200);
    for (const apiId of ["plain", "toString", "constructor", "hasOwnProperty"]) await expectError(await call(apiId, key), 403, disallowed);
  });

  it("counts a per-API rate limit on `valueOf` against that API", async () => {
    const rights = { valueOf: { api_id: "valueOf", versions: ["Default"], limit: { rate: 1, per: 60 } } };
    const key = await createKey({ access_rights: rights });
    expect((await call("valueOf", key)).status).toBe(200);
    await expectError(await call("valueOf", key), 429, "Rate Limit Exceeded");
  });

  it("applies allowed_urls of `hasOwnProperty` to that API", async () => {
    const rights = { hasOwnProperty: { api_id: "hasOwnProperty", versions: ["Default"], allowed_urls: [{ url: "/open", methods: ["GET"] }] } };
    const key = await createKey({ access_rights: rights });
    expect((await call("hasOwnProperty", key, "/open")).status).toBe(200);
    await expectError(await call("hasOwnProperty", key, "/closed"), 403, "Access to this resource has been disallowed");
  });

  it("shows a key's live per-API quota on `__proto__` through the Gateway API", async () => {
    const limited = { api_id: "__proto__", versions: ["Default"], limit: { quota_max: 10, quota_renewal_rate: 3600 } };
    // A computed key: a literal `__proto__:` would set the prototype instead of naming an API.
    const key = await createKey({ access_rights: { ["__proto__"]: limited } });
    expect((await call("__proto__", key)).status).toBe(200);
    const reply = await admin("GET", `/keys/${key}`);
    expect(reply.status).toBe(200);
    const shown = (reply.body as { access_rights: Record<string, { limit: { quota_remaining: number } }> }).access_rights;
    expect(Object.keys(shown)).toEqual(["__proto__"]);
    expect(Object.getOwnPropertyDescriptor(shown, "__proto__")?.value.limit.quota_remaining).toBe(9);
  });
});
