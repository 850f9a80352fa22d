import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { admin } from "../support/admin";
import { gateway, loadApis } from "../support/gateway";
import { burst, countOf, keyHeader, keyedApi } from "./support";

/* The Gateway API's key routes and the live counters: GET shows them, writes reset them, DELETE drops them. */

const send = (path: string, init?: RequestInit) => gateway(path, init);

interface Modified {
  key: string;
  key_hash: string;
}

const rights = (extra: Record<string, unknown> = {}) => ({ "adm-api": { api_id: "adm-api", api_name: "adm-api", versions: ["Default"], ...extra } });

async function createKey(session: Record<string, unknown>, path = "/keys/create"): Promise<Modified> {
  const reply = await admin("POST", path, { org_id: "default", access_rights: rights(), ...session });
  expect(reply.status).toBe(200);
  return reply.body as Modified;
}

async function readKey(hash: string): Promise<Record<string, unknown>> {
  const reply = await admin("GET", `/keys/${hash}?hashed=true`);
  expect(reply.status).toBe(200);
  return reply.body as Record<string, unknown>;
}

const stubOf = (hash: string) => env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(`key:${hash}`));

function storedTables(hash: string): Promise<string[]> {
  return runInDurableObject(stubOf(hash), (_instance, state) =>
    state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_cf_%'")
      .toArray()
      .map((row) => row.name),
  );
}

describe("key counters through the Gateway API", () => {
  beforeAll(async () => {
    // Exact mode: the object's quota counts each request as it is sent, not leased ahead.
    await loadApis(keyedApi("adm-api", { rate_limit_mode: "exact" }));
  });

  it("GET /tyk/keys/{key} shows the live quota_remaining and quota_renews", async () => {
    const created = await createKey({ quota_max: 5, quota_renewal_rate: 3600 });
    expect(await readKey(created.key_hash)).toMatchObject({ quota_max: 5, quota_remaining: 5 });
    const before = Math.floor(Date.now() / 1000);
    expect(countOf(await burst(send, "/adm-api/x", 2, { headers: keyHeader(created.key) }), 200)).toBe(2);
    const session = await readKey(created.key_hash);
    expect(session["quota_remaining"]).toBe(3);
    expect(session["quota_renews"]).toBeGreaterThanOrEqual(before + 3600);
    expect(session["quota_renews"]).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 3600);
    // By the key itself too, not only by hash.
    expect(((await admin("GET", `/keys/${created.key}`)).body as Record<string, unknown>)["quota_remaining"]).toBe(3);
  });

  it("GET shows the live quota of per-API limits", async () => {
    const created = await createKey({ access_rights: rights({ limit: { quota_max: 4, quota_renewal_rate: 60 } }) });
    await send("/adm-api/x", { headers: keyHeader(created.key) });
    const session = await readKey(created.key_hash);
    expect(session["access_rights"]).toMatchObject({ "adm-api": { limit: { quota_max: 4, quota_remaining: 3 } } });
  });

  it("PUT without suppress_reset starts the quota afresh", async () => {
    const created = await createKey({ quota_max: 3, quota_renewal_rate: 3600 });
    expect(countOf(await burst(send, "/adm-api/x", 4, { headers: keyHeader(created.key) }), 200)).toBe(3);
    const update = await admin("PUT", `/keys/${created.key}`, { org_id: "default", access_rights: rights(), quota_max: 3, quota_renewal_rate: 3600 });
    expect(update.status).toBe(200);
    expect((await readKey(created.key_hash))["quota_remaining"]).toBe(3);
    expect(countOf(await burst(send, "/adm-api/x", 4, { headers: keyHeader(created.key) }), 200)).toBe(3);
  });

  it("PUT with suppress_reset keeps the quota used so far, with the new quota_max", async () => {
    const created = await createKey({ quota_max: 3, quota_renewal_rate: 3600 });
    expect(countOf(await burst(send, "/adm-api/x", 2, { headers: keyHeader(created.key) }), 200)).toBe(2);
    const body = { org_id: "default", access_rights: rights(), quota_max: 4, quota_renewal_rate: 3600 };
    expect((await admin("PUT", `/keys/${created.key}?suppress_reset=1`, body)).status).toBe(200);
    expect((await readKey(created.key_hash))["quota_remaining"]).toBe(2);
  });

  it("POST of an existing custom key restarts its quota unless suppress_reset", async () => {
    const custom = `custom-${crypto.randomUUID()}`;
    const first = await createKey({ quota_max: 2, quota_renewal_rate: 3600 }, `/keys/${custom}`);
    expect(countOf(await burst(send, "/adm-api/x", 2, { headers: keyHeader(first.key) }), 200)).toBe(2);
    await createKey({ quota_max: 2, quota_renewal_rate: 3600 }, `/keys/${custom}?suppress_reset=1`);
    expect((await send("/adm-api/x", { headers: keyHeader(first.key) })).status).toBe(403);
    await createKey({ quota_max: 2, quota_renewal_rate: 3600 }, `/keys/${custom}`);
    expect((await send("/adm-api/x", { headers: keyHeader(first.key) })).status).toBe(200);
  });

  it("DELETE drops every counter of the key", async () => {
    const custom = `custom-${crypto.randomUUID()}`;
    const created = await createKey({ rate: 10, per: 60, quota_max: 2, quota_renewal_rate: 0 }, `/keys/${custom}`);
    expect(countOf(await burst(send, "/adm-api/x", 3, { headers: keyHeader(created.key) }), 200)).toBe(2);
    expect(await storedTables(created.key_hash)).toEqual(expect.arrayContaining(["quota", "rate_log"]));
    expect((await admin("DELETE", `/keys/${created.key}`)).status).toBe(200);
    expect(await storedTables(created.key_hash)).toEqual([]);
    expect(await runDurableObjectAlarm(stubOf(created.key_hash))).toBe(false);
    // The same key created again (keeping counters) starts from nothing: nothing was left behind.
    await createKey({ quota_max: 2, quota_renewal_rate: 0 }, `/keys/${custom}?suppress_reset=1`);
    expect(countOf(await burst(send, "/adm-api/x", 3, { headers: keyHeader(created.key) }), 200)).toBe(2);
  });
});
