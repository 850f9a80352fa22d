import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { admin } from "../support/admin";
import { loadApis } from "../support/gateway";
import { accessTo, gatewayWith, securedApi } from "./support";

/* A key's session lifetime is the TTL of its stored entry: the store drops it when the lifetime ends. */

async function storedExpiration(hash: string): Promise<number | undefined> {
  const listed = await env.GATEWAY_KV.list({ prefix: `apikey-${hash}` });
  return listed.keys.find((key) => key.name === `apikey-${hash}`)?.expiration;
}

async function created(reply: { status: number; body: unknown }): Promise<string> {
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return (reply.body as { key_hash: string }).key_hash;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function expectAbout(actual: number | undefined, expected: number): void {
  expect(actual).toBeDefined();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(5);
}

describe("session lifetime", () => {
  beforeAll(async () => {
    await loadApis(
      securedApi("short-lived", { use_standard_auth: true, session_lifetime: 3600 }),
      securedApi("tiny-lifetime", { use_standard_auth: true, session_lifetime: 10 }),
      securedApi("until-expiry", { use_standard_auth: true, session_lifetime: 3600, session_lifetime_respects_key_expiration: true }),
      securedApi("forever", { use_standard_auth: true }),
    );
  });

  it("stores a key for the session_lifetime of the API it grants", async () => {
    const hash = await created(await admin("POST", "/keys/create", { org_id: "default", access_rights: accessTo("short-lived") }));
    expectAbout(await storedExpiration(hash), nowSeconds() + 3600);
  });

  it("lets the key's own session_lifetime win over the API's", async () => {
    const hash = await created(await admin("POST", "/keys/create", { org_id: "default", session_lifetime: 7200, access_rights: accessTo("short-lived") }));
    expectAbout(await storedExpiration(hash), nowSeconds() + 7200);
  });

  it("uses the longest lifetime of the APIs granted, and none when an API has none", async () => {
    const hash = await created(await admin("POST", "/keys/create", { org_id: "default", access_rights: accessTo("short-lived", "tiny-lifetime") }));
    expectAbout(await storedExpiration(hash), nowSeconds() + 3600);
    const forever = await created(await admin("POST", "/keys/create", { org_id: "default", access_rights: accessTo("forever") }));
    expect(await storedExpiration(forever)).toBeUndefined();
  });

  it("raises lifetimes under a minute to KV's 60 s floor", async () => {
    const hash = await created(await admin("POST", "/keys/create", { org_id: "default", access_rights: accessTo("tiny-lifetime") }));
    expectAbout(await storedExpiration(hash), nowSeconds() + 60);
  });

  it("stretches the lifetime to the key's expiry with session_lifetime_respects_key_expiration", async () => {
    const expires = nowSeconds() + 10_000;
    const hash = await created(await admin("POST", "/keys/create", { org_id: "default", expires, access_rights: accessTo("until-expiry") }));
    expectAbout(await storedExpiration(hash), expires);
  });

  it("applies a forced global session lifetime to every key written, updates included", async () => {
    const forced = gatewayWith({ TYK_GW_GLOBALSESSIONLIFETIME: "120", TYK_GW_FORCEGLOBALSESSIONLIFETIME: "true" });
    const headers = { "x-tyk-authorization": "test-admin-secret" };
    const body = JSON.stringify({ org_id: "default", access_rights: accessTo("short-lived") });
    const reply = await forced("/tyk/keys/create", { method: "POST", headers, body });
    const { key_hash: hash } = (await reply.json()) as { key_hash: string };
    expectAbout(await storedExpiration(hash), nowSeconds() + 120);
    const notForced = gatewayWith({ TYK_GW_GLOBALSESSIONLIFETIME: "120" });
    expect((await notForced(`/tyk/keys/${hash}?hashed=true`, { method: "PUT", headers, body })).status).toBe(200);
    expectAbout(await storedExpiration(hash), nowSeconds() + 3600);
  });
});
