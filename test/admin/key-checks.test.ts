import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { accessRightsFor, admin, protectedApi } from "../support/admin";
import { loadApis, store } from "../support/gateway";

/*
 * Keys and policies: numbers Tyk keeps as int64 must be whole and exact,
 * a session lifetime must fit the store's expiry, and a key or policy naming
 * an API or policy the store does not hold is stored with a warning.
 */

interface Modified {
  key: string;
  key_hash?: string;
  warnings?: { field: string; message: string }[];
}

const session = (extra: Record<string, unknown> = {}) => ({ org_id: "default", access_rights: accessRightsFor("secure"), ...extra });

async function clearPolicies(): Promise<void> {
  const kv = store();
  for (const id of await kv.listIds("policies")) await kv.delete("policies", id);
}

describe("numbers in keys and policies", () => {
  beforeAll(async () => {
    await loadApis(protectedApi("secure"));
  });

  it.each([
    ["session_lifetime", 1e12, "session_lifetime: must be at most 2147483647 seconds (about 68 years)"],
    ["expires", 1e300, "expires: Too big: expected int to be <=9007199254740991"],
    ["expires", 1.5, "expires: Invalid input: expected int, received number"],
    ["quota_max", 2 ** 60, "quota_max: Too big: expected int to be <=9007199254740991"],
  ])("refuses %s = %d with 400 naming it", async (field, value, message) => {
    const reply = await admin("POST", "/keys/create", session({ [field]: value }));
    expect(reply).toMatchObject({ status: 400, body: { status: "error", message: `Unmarshalling failed: ${message}` } });
  });

  it("names a bad number inside an access right's limit, and in a policy", async () => {
    const rights = { secure: { api_id: "secure", versions: ["Default"], limit: { quota_renews: 1.25 } } };
    const key = await admin("POST", "/keys/create", session({ access_rights: rights }));
    expect(key).toMatchObject({
      status: 400,
      body: { message: "Unmarshalling failed: access_rights.secure.limit.quota_renews: Invalid input: expected int, received number" },
    });
    const policy = await admin("POST", "/policies", { id: "bounded", key_expires_in: 1e20 });
    expect(policy).toMatchObject({ status: 400, body: { message: "Request malformed: key_expires_in: Too big: expected int to be <=9007199254740991" } });
  });

  it("keeps a key with no store expiry when an API's session_lifetime is past what the store can express", async () => {
    await loadApis({ ...protectedApi("forever"), session_lifetime: 2 ** 40 });
    const reply = await admin("POST", "/keys/create", session({ access_rights: accessRightsFor("forever") }));
    expect(reply.status).toBe(200);
    expect(await store().get("keys", (reply.body as Modified).key_hash!)).not.toBeNull();
  });
});

describe("references to APIs and policies that do not exist", () => {
  beforeAll(async () => {
    await loadApis(protectedApi("secure"));
  });
  beforeEach(clearPolicies);

  it("stores a key naming an unknown policy or API, and says so in warnings", async () => {
    const reply = await admin("POST", "/keys/create", session({ apply_policies: ["missing"], access_rights: accessRightsFor("secure", "ghost") }));
    expect(reply.status).toBe(200);
    const created = reply.body as Modified;
    expect(created.warnings).toEqual([
      { field: "access_rights", message: 'API "ghost" does not exist' },
      { field: "apply_policies", message: 'policy "missing" does not exist' },
    ]);
    expect(await store().get("keys", created.key_hash!)).not.toBeNull();
  });

  it("names the legacy apply_policy_id, and warns on update and for custom keys too", async () => {
    const custom = await admin("POST", "/keys/custom-key-1", session({ apply_policy_id: "legacy" }));
    expect((custom.body as Modified).warnings).toEqual([{ field: "apply_policy_id", message: 'policy "legacy" does not exist' }]);
    const updated = await admin("PUT", `/keys/${(custom.body as Modified).key}`, session({ apply_policies: ["gone"] }));
    expect(updated).toMatchObject({
      status: 200,
      body: { action: "modified", warnings: [{ field: "apply_policies", message: 'policy "gone" does not exist' }] },
    });
  });

  it("keeps Tyk's answer, without warnings, when everything named exists (stored, even before a reload)", async () => {
    await admin("POST", "/policies", { id: "gold", rate: 10, per: 1, access_rights: accessRightsFor("secure") });
    const reply = await admin("POST", "/keys/create", session({ apply_policies: ["gold"] }));
    expect(reply.status).toBe(200);
    expect(reply.body).not.toHaveProperty("warnings");
  });

  it("warns on a policy granting an API that does not exist", async () => {
    const reply = await admin("POST", "/policies", { id: "wide", access_rights: accessRightsFor("secure", "nowhere") });
    expect(reply).toMatchObject({ status: 200, body: { key: "wide", warnings: [{ field: "access_rights", message: 'API "nowhere" does not exist' }] } });
  });

  it("warns, instead of failing, on an access right whose API id could never be stored", async () => {
    const long = "x".repeat(600);
    const reply = await admin("POST", "/keys/create", session({ access_rights: accessRightsFor(long) }));
    expect(reply.status).toBe(200);
    expect((reply.body as Modified).warnings).toEqual([{ field: "access_rights", message: `API "${"x".repeat(64)}…" does not exist` }]);
  });
});
