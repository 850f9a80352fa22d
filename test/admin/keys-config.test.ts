import { describe, expect, it } from "vitest";
import { decodeToken, hashKey } from "../../src/session/keys";
import { accessRightsFor, adminWith } from "../support/admin";
import { store } from "../support/gateway";

/* The key routes under gateway settings the Worker under test does not use. */

interface Modified {
  key: string;
  key_hash?: string;
}

const session = (extra: Record<string, unknown> = {}) => ({ org_id: "default", access_rights: accessRightsFor("secure"), ...extra });

describe("/tyk/keys with key hashing off", () => {
  const admin = adminWith({ TYK_GW_HASHKEYS: "false" });

  it("stores the session under the key itself and sends no key_hash", async () => {
    const reply = await admin("POST", "/keys/create", session({ alias: "raw" }));
    expect(reply.status).toBe(200);
    const created = reply.body as Modified;
    expect(created).not.toHaveProperty("key_hash");
    expect(await store().get("keys", created.key)).toMatchObject({ alias: "raw" });
    expect(await admin("GET", `/keys/${encodeURIComponent(created.key)}`)).toMatchObject({ status: 200, body: { alias: "raw" } });
  });

  it("refuses lookups by hash", async () => {
    const created = (await admin("POST", "/keys/create", session())).body as Modified;
    const hash = await hashKey(created.key, "sha256");
    for (const method of ["GET", "PUT", "DELETE"]) {
      const reply = await admin(method, `/keys/${hash}?hashed=true`, method === "PUT" ? session() : undefined);
      expect(reply.status, method).toBe(400);
      expect(reply.body).toEqual({ status: "error", message: "Key requested by hash but key hashing is not enabled" });
    }
    expect(await store().get("keys", created.key)).not.toBeNull();
  });

  it("lists keys, filtered by org with ?filter=", async () => {
    const acme = (await admin("POST", "/keys/create", session({ org_id: "acme" }))).body as Modified;
    const other = (await admin("POST", "/keys/create", session({ org_id: "other" }))).body as Modified;

    const all = await admin("GET", "/keys");
    expect(all.status).toBe(200);
    expect((all.body as { keys: string[] }).keys).toEqual(expect.arrayContaining([acme.key, other.key]));

    const filtered = (await admin("GET", "/keys?filter=acme")).body as { keys: string[] };
    expect(filtered.keys).toContain(acme.key);
    expect(filtered.keys).not.toContain(other.key);
    for (const key of filtered.keys) expect(key.startsWith("acme") || decodeToken(key)?.org === "acme").toBe(true);
  });
});

describe("/tyk/keys with hashed key listing on", () => {
  const admin = adminWith({ TYK_GW_ENABLEHASHEDKEYSLISTING: "true" });

  it("lists the hashes, never the keys", async () => {
    const created = (await admin("POST", "/keys/create", session())).body as Modified;
    const listed = await admin("GET", "/keys");
    expect(listed.status).toBe(200);
    const keys = (listed.body as { keys: string[] }).keys;
    expect(keys).toContain(created.key_hash);
    expect(keys).not.toContain(created.key);
  });
});

describe("/tyk/keys with master keys allowed", () => {
  const admin = adminWith({ TYK_GW_ALLOWMASTERKEYS: "true" });

  it("creates a key without access rights", async () => {
    const reply = await admin("POST", "/keys/create", { org_id: "default" });
    expect(reply.status).toBe(200);
    const created = reply.body as Modified;
    expect(await store().get("keys", created.key_hash!)).toMatchObject({ org_id: "default", access_rights: {} });
  });
});

describe("/tyk/keys with a longer min_token_length", () => {
  const admin = adminWith({ TYK_GW_MINTOKENLENGTH: "10" });

  it("applies it to custom keys", async () => {
    const short = await admin("POST", "/keys/nine-char", session());
    expect(short).toMatchObject({
      status: 400,
      body: { message: 'Custom key "nine-char" is too short: keys must be at least 10 characters (min_token_length)' },
    });
    expect((await admin("POST", "/keys/ten-chars!", session())).status).toBe(200);
  });
});
