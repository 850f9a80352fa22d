import { beforeAll, describe, expect, it } from "vitest";
import { decodeToken, generateToken, hashKey } from "../../src/session/keys";
import { accessRightsFor, admin, protectedApi } from "../support/admin";
import { echoOf, gateway, loadApis, store, tykError } from "../support/gateway";

/*
 * The Worker under test hashes keys (TYK_GW_HASHKEYS=true, sha256), keeps
 * hashed key listing off and refuses master keys. keys-config.test.ts covers
 * the other settings.
 */

interface Modified {
  key: string;
  status: string;
  action: string;
  key_hash?: string;
}

const session = (extra: Record<string, unknown> = {}) => ({ org_id: "default", access_rights: accessRightsFor("secure"), ...extra });

async function createKey(body: Record<string, unknown> = session()): Promise<Modified> {
  const reply = await admin("POST", "/keys/create", body);
  expect(reply.status).toBe(200);
  return reply.body as Modified;
}

const stored = async (hash: string) => (await store().get("keys", hash)) as Record<string, unknown> | null;

describe("/tyk/keys with key hashing on", () => {
  beforeAll(async () => {
    await loadApis(protectedApi("secure"));
  });

  describe("creating keys", () => {
    it("generates a Tyk token and stores the session under its hash", async () => {
      const created = await createKey(session({ alias: "first" }));
      expect(created).toMatchObject({ status: "ok", action: "added" });
      expect(decodeToken(created.key)).toMatchObject({ org: "default", h: "sha256" });
      expect(created.key_hash).toBe(await hashKey(created.key, "sha256"));
      expect(await stored(created.key_hash!)).toMatchObject({ alias: "first", org_id: "default" });
      expect(await stored(created.key)).toBeNull();
    });

    it("accepts POST /tyk/keys without an id as a create", async () => {
      const reply = await admin("POST", "/keys", session());
      expect(reply.status).toBe(200);
      const created = reply.body as Modified;
      expect(created.action).toBe("added");
      expect(await stored(created.key_hash!)).not.toBeNull();
    });

    it("stamps date_created and last_updated and starts the quota period", async () => {
      const before = Math.floor(Date.now() / 1000);
      const created = await createKey(session({ quota_max: 100, quota_renewal_rate: 3600, quota_remaining: 3 }));
      const saved = (await stored(created.key_hash!))!;
      expect(Date.parse(String(saved["date_created"]))).toBeGreaterThanOrEqual(before * 1000);
      expect(String(saved["date_created"])).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
      expect(Number(saved["last_updated"])).toBeGreaterThanOrEqual(before);
      expect(saved["quota_remaining"]).toBe(100);
      expect(saved["quota_renews"]).toBeGreaterThanOrEqual(before + 3600);
      expect(saved["quota_renews"]).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 3600);
    });

    it("leaves quota fields alone when the key has no renewal rate", async () => {
      const created = await createKey(session({ quota_max: 5, quota_remaining: 2 }));
      expect(await stored(created.key_hash!)).toMatchObject({ quota_max: 5, quota_remaining: 2, quota_renews: 0 });
    });

    it("refuses a key without access rights while master keys are disallowed", async () => {
      for (const body of [{ org_id: "default" }, { org_id: "default", access_rights: {} }, { org_id: "default", access_rights: null }]) {
        const reply = await admin("POST", "/keys/create", body);
        expect(reply.status).toBe(400);
        expect(reply.body).toEqual({ status: "error", message: "Failed to create key, keys must have at least one Access Rights record set." });
      }
    });

    it.each([
      ["malformed JSON", "{"],
      ["an empty body", ""],
      ["a JSON array", "[]"],
    ])("answers %s with 400 Unmarshalling failed (Tyk says 500)", async (_, body) => {
      expect(await admin("POST", "/keys/create", body)).toMatchObject({ status: 400, body: { status: "error", message: "Unmarshalling failed" } });
    });

    it("names the field of the wrong type", async () => {
      const reply = await admin("POST", "/keys/create", session({ rate: "ten" }));
      expect(reply.status).toBe(400);
      expect((reply.body as { message: string }).message).toMatch(/^Unmarshalling failed: rate: .*number/);
      const nested = await admin("POST", "/keys/create", session({ access_rights: { secure: { versions: "Default" } } }));
      expect((nested.body as { message: string }).message).toMatch(/access_rights\.secure\.versions: /);
    });
  });

  describe("custom keys", () => {
    it("wraps the custom name in a Tyk token, stores it under the token's hash and overwrites", async () => {
      const reply = await admin("POST", "/keys/my-custom-key", session({ alias: "one" }));
      const token = generateToken("default", "my-custom-key", "sha256");
      const hash = await hashKey(token, "sha256");
      expect(reply).toMatchObject({ status: 200, body: { key: token, status: "ok", action: "added", key_hash: hash } });
      expect(await stored(hash)).toMatchObject({ alias: "one" });

      const again = await admin("POST", "/keys/my-custom-key", session({ alias: "two" }));
      expect(again).toMatchObject({ status: 200, body: { action: "added" } });
      expect(await stored(hash)).toMatchObject({ alias: "two" });
    });

    it("refuses a custom key shorter than min_token_length, naming it", async () => {
      const reply = await admin("POST", "/keys/ab", session());
      expect(reply.status).toBe(400);
      expect((reply.body as { message: string }).message).toBe('Custom key "ab" is too short: keys must be at least 3 characters (min_token_length)');
    });

    it("answers bad JSON with 400 Request malformed", async () => {
      expect(await admin("POST", "/keys/my-custom-key", "nope")).toMatchObject({ status: 400, body: { message: "Request malformed" } });
    });

    it("handles keys whose token holds '/' and '+' when the path encodes them", async () => {
      const customKey = "k10~~~?";
      const token = generateToken("default", customKey, "sha256");
      expect(token).toMatch(/\/.*\+|\+.*\//);
      expect(await admin("POST", `/keys/${encodeURIComponent(customKey)}`, session())).toMatchObject({ status: 200, body: { key: token } });
      expect((await admin("GET", `/keys/${encodeURIComponent(token)}`)).status).toBe(200);
      expect(await admin("DELETE", `/keys/${encodeURIComponent(token)}`)).toMatchObject({ status: 200, body: { key: token } });
    });

    it("finds a custom key by its plain name and org", async () => {
      await admin("POST", "/keys/plain-name", session({ alias: "plain" }));
      expect(await admin("GET", "/keys/plain-name?org_id=default")).toMatchObject({ status: 200, body: { alias: "plain" } });
    });
  });

  describe("reading, updating and deleting", () => {
    it("gets a key by key or by hash, hiding the basic auth password", async () => {
      const created = await createKey(session({ alias: "reader", basic_auth_data: { password: "s3cret", hash_type: "" } }));
      for (const path of [`/keys/${encodeURIComponent(created.key)}`, `/keys/${created.key_hash}?hashed=true`]) {
        const reply = await admin("GET", path);
        expect(reply.status).toBe(200);
        expect(reply.body).toMatchObject({ alias: "reader", basic_auth_data: { password: "", hash_type: "pbkdf2-sha256" } });
      }
    });

    it("answers an unknown key with 404 Key not found", async () => {
      expect(await admin("GET", "/keys/nothing-here")).toMatchObject({ status: 404, body: { status: "error", message: "Key not found" } });
      expect(await admin("GET", "/keys/abc123?hashed=true")).toMatchObject({ status: 404, body: { message: "Key not found" } });
    });

    it("does not treat a key as its own hash", async () => {
      const created = await createKey();
      expect((await admin("GET", `/keys/${created.key_hash}`)).status).toBe(404);
    });

    it("updates a key, keeping date_created and the basic auth password", async () => {
      const created = await createKey(session({ basic_auth_data: { password: "s3cret" } }));
      const original = (await stored(created.key_hash!))!;
      const reply = await admin("PUT", `/keys/${encodeURIComponent(created.key)}`, session({ alias: "renamed", date_created: "1999-01-01T00:00:00Z" }));
      expect(reply).toMatchObject({ status: 200, body: { key: created.key, status: "ok", action: "modified" } });
      const saved = (await stored(created.key_hash!))!;
      expect(saved).toMatchObject({ alias: "renamed", date_created: original["date_created"], basic_auth_data: original["basic_auth_data"] });
    });

    it("updates by hash, and keeps the quota period with suppress_reset=1", async () => {
      const created = await createKey(session({ quota_max: 10, quota_renewal_rate: 60 }));
      const original = (await stored(created.key_hash!))!;
      await admin(
        "PUT",
        `/keys/${created.key_hash}?hashed=true&suppress_reset=1`,
        session({ quota_max: 10, quota_renewal_rate: 60, quota_remaining: 4, quota_renews: 1 }),
      );
      const saved = (await stored(created.key_hash!))!;
      expect(saved["quota_renews"]).toBe(original["quota_renews"]);
      expect(saved["quota_remaining"]).toBe(10);
      expect(saved["last_updated"]).toBe(original["last_updated"]);
    });

    it("answers PUT of an unknown key with 404 Key is not found", async () => {
      expect(await admin("PUT", "/keys/nothing-here", session())).toMatchObject({ status: 404, body: { status: "error", message: "Key is not found" } });
    });

    it("validates an update like a create", async () => {
      const created = await createKey();
      const path = `/keys/${encodeURIComponent(created.key)}`;
      expect(await admin("PUT", path, "{")).toMatchObject({ status: 400, body: { message: "Request malformed" } });
      expect((await admin("PUT", path, session({ per: "a minute" }))).body).toMatchObject({ message: expect.stringMatching(/^Request malformed: per: /) });
      expect((await admin("PUT", path, { org_id: "default" })).status).toBe(400);
    });

    it("deletes a key by key or by hash, then answers 404", async () => {
      const byKey = await createKey();
      const path = `/keys/${encodeURIComponent(byKey.key)}`;
      expect(await admin("DELETE", path)).toMatchObject({ status: 200, body: { key: byKey.key, status: "ok", action: "deleted" } });
      expect(await stored(byKey.key_hash!)).toBeNull();
      expect(await admin("DELETE", path)).toMatchObject({ status: 404, body: { status: "error", message: "There is no such key found" } });

      const byHash = await createKey();
      expect(await admin("DELETE", `/keys/${byHash.key_hash}?hashed=true`)).toMatchObject({ status: 200, body: { key: byHash.key_hash, action: "deleted" } });
      expect(await stored(byHash.key_hash!)).toBeNull();
    });

    it("refuses to list hashed keys while enable_hashed_keys_listing is off", async () => {
      expect(await admin("GET", "/keys")).toMatchObject({
        status: 404,
        body: { status: "error", message: "Hashed key listing is disabled in config (enable_hashed_keys_listing)" },
      });
    });
  });

  describe("the gateway sees key changes at once", () => {
    it("accepts a created key on the next request and refuses it right after deletion", async () => {
      const created = await createKey();
      const allowed = await gateway("/secure/hello", { headers: { authorization: created.key } });
      expect((await echoOf(allowed)).path).toBe("/hello");

      await admin("DELETE", `/keys/${encodeURIComponent(created.key)}`);
      const refused = await gateway("/secure/hello", { headers: { authorization: created.key } });
      expect(refused.status).toBe(403);
      expect(await tykError(refused)).toBe("Access to this API has been disallowed");
    });

    it("replaces a cached refusal when the key is created", async () => {
      const token = generateToken("default", "late-comer", "sha256");
      expect((await gateway("/secure/x", { headers: { authorization: token } })).status).toBe(403);
      await admin("POST", "/keys/late-comer", session());
      expect((await gateway("/secure/x", { headers: { authorization: token } })).status).toBe(200);
    });

    it("accepts a custom key by its plain name, as Tyk does for the API's org", async () => {
      await admin("POST", "/keys/plain-name-key", session());
      expect((await gateway("/secure/x", { headers: { authorization: "plain-name-key" } })).status).toBe(200);
    });

    it("applies an update at once", async () => {
      const created = await createKey();
      expect((await gateway("/secure/x", { headers: { authorization: created.key } })).status).toBe(200);
      await admin("PUT", `/keys/${encodeURIComponent(created.key)}`, session({ is_inactive: true }));
      const refused = await gateway("/secure/x", { headers: { authorization: created.key } });
      expect(refused.status).toBe(403);
      expect(await tykError(refused)).toBe("Key is inactive, please renew");
    });
  });
});
