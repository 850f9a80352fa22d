import { beforeAll, describe, expect, it } from "vitest";
import { accessRightsFor, admin, adminWith, protectedApi } from "../support/admin";
import { echoOf, gateway, keylessApi, loadApis, store } from "../support/gateway";

/*
 * Ids, keys and org ids in any script: accepted where they can be stored and
 * read back as written (emoji, Cyrillic, bidirectional text in an org_id, as
 * Tyk accepts them), a 400 naming the field where they cannot (over the
 * store's 512-byte key limit, or bidi marks and control characters in an id),
 * and never a 500.
 */

interface Modified {
  key: string;
  key_hash?: string;
  warnings?: unknown[];
}

const tooLongForStore = /is too long: \d+ bytes as a storage key, over the store's limit of 512/;

describe("ids on the Gateway API", () => {
  beforeAll(async () => {
    await loadApis(keylessApi(), protectedApi("secure"));
  });

  it("accepts an api_id in any script and serves it, addressable by its URL-encoded id", async () => {
    const id = "заказы-🚀";
    const reply = await admin("POST", "/apis", keylessApi({ api_id: id, proxy: { listen_path: "/rocket/" } }));
    expect(reply).toMatchObject({ status: 200, body: { key: id, action: "added" } });
    expect(await admin("GET", `/apis/${encodeURIComponent(id)}`)).toMatchObject({ status: 200, body: { api_id: id } });
    await admin("GET", "/reload");
    expect((await echoOf(await gateway("/rocket/x"))).path).toBe("/x");
    expect(await admin("DELETE", `/apis/${encodeURIComponent(id)}`)).toMatchObject({ status: 200, body: { action: "deleted" } });
  });

  it("refuses an api_id or policy id with bidirectional marks or control characters, naming it", async () => {
    for (const id of ["admin\u202etxt.exe", "a\u2066b", "nul\u0000l", "bell\u0007"]) {
      const api = await admin("POST", "/apis", keylessApi({ api_id: id, proxy: { listen_path: "/spoof/" } }));
      expect(api, JSON.stringify(id)).toMatchObject({
        status: 400,
        body: { message: "Invalid API ID: api_id must not contain control characters or bidirectional text marks" },
      });
      const policy = await admin("POST", "/policies", { id });
      expect(policy, JSON.stringify(id)).toMatchObject({
        status: 400,
        body: { message: "Invalid policy ID: id must not contain control characters or bidirectional text marks" },
      });
    }
  });

  it("refuses ids over the store's key limit with 400, and answers 404 when asked for one", async () => {
    const long = "a".repeat(600);
    const api = await admin("POST", "/apis", keylessApi({ api_id: long, proxy: { listen_path: "/long/" } }));
    expect(api.status).toBe(400);
    expect((api.body as { message: string }).message).toMatch(new RegExp(`^Invalid API ID: api_id ${tooLongForStore.source}`));
    // 4-byte characters: 130 of them are 520 bytes though only 260 UTF-16 units.
    const emoji = await admin("POST", "/policies", { id: "🚀".repeat(130) });
    expect(emoji.status).toBe(400);
    expect((emoji.body as { message: string }).message).toMatch(/^Invalid policy ID: id is too long: 531 bytes/);

    expect(await admin("GET", `/apis/${long}`)).toMatchObject({ status: 404, body: { message: "API not found" } });
    expect(await admin("DELETE", `/apis/${long}`)).toMatchObject({ status: 404, body: { message: "API not found" } });
    expect(await admin("GET", `/policies/${long}`)).toMatchObject({ status: 404, body: { message: "Policy not found" } });
    expect(await admin("DELETE", `/policies/${long}`)).toMatchObject({ status: 404, body: { message: "Policy not found" } });
    expect(await admin("GET", `/keys/${long}`)).toMatchObject({ status: 404, body: { message: "Key not found" } });
    expect(await admin("GET", `/keys/${long}?hashed=true`)).toMatchObject({ status: 404 });
  });

  it("creates keys whose org_id and custom name are emoji, Cyrillic or bidirectional text, and the keys work", async () => {
    const orgId = "орг-🚀-\u202eltr";
    await loadApis(keylessApi(), protectedApi("secure"), { ...protectedApi("org-api"), org_id: orgId });
    const created = await admin("POST", "/keys/create", { org_id: orgId, access_rights: accessRightsFor("org-api") });
    expect(created.status).toBe(200);
    const token = (created.body as Modified).key;
    expect((await gateway("/org-api/x", { headers: { authorization: token } })).status).toBe(200);

    const custom = await admin("POST", `/keys/${encodeURIComponent("ключ-😀-доступа")}`, { org_id: orgId, access_rights: accessRightsFor("org-api") });
    expect(custom.status).toBe(200);
    expect((await gateway("/org-api/x", { headers: { authorization: (custom.body as Modified).key } })).status).toBe(200);
  });

  it("reads and deletes with a key whose token would be too long to store, answering 404 instead of failing", async () => {
    const plain = adminWith({ TYK_GW_HASHKEYS: "false" });
    const long = "k".repeat(1000);
    expect(await plain("GET", `/keys/${long}`)).toMatchObject({ status: 404, body: { message: "Key not found" } });
    expect(await plain("DELETE", `/keys/${long}`)).toMatchObject({ status: 404 });
    expect(await plain("PUT", `/keys/${long}`, { org_id: "default", access_rights: accessRightsFor("secure") })).toMatchObject({ status: 404 });
  });

  it("refuses, with key hashing off, an org_id or custom key that makes a key too long to store", async () => {
    const plain = adminWith({ TYK_GW_HASHKEYS: "false" });
    const longOrg = await plain("POST", "/keys/create", { org_id: "o".repeat(400), access_rights: accessRightsFor("secure") });
    expect(longOrg.status).toBe(400);
    expect((longOrg.body as { message: string }).message).toMatch(new RegExp(`^Failed to create key: the key made from org_id ${tooLongForStore.source}`));

    const longCustom = await plain("POST", `/keys/${"c".repeat(400)}`, { org_id: "default", access_rights: accessRightsFor("secure") });
    expect(longCustom.status).toBe(400);
    expect((longCustom.body as { message: string }).message).toMatch(/^Failed to create key: the key made from the custom key and org_id is too long/);
    expect(await store().listIds("keys")).not.toContainEqual(expect.stringMatching(/^.{600,}$/));
  });

  it("keeps hashed keys whatever their length: the store holds the digest", async () => {
    const reply = await admin("POST", `/keys/${"c".repeat(400)}`, { org_id: "default", access_rights: accessRightsFor("secure") });
    expect(reply.status).toBe(200);
    expect((reply.body as Modified).key_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
