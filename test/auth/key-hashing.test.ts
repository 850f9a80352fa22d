import { beforeAll, describe, expect, it } from "vitest";
import { decodeToken, generateToken } from "../../src/session/keys";
import { gateway, loadApis, store } from "../support/gateway";
import { accessTo, expectError, gatewayWith, securedApi } from "./support";

/*
 * Keys Tyk wrote keep working: a token names its hash function ("h"), and
 * Tyk stores it under the hex digest. The digests below were computed with
 * the reference C implementation of MurmurHash3 (smhasher), written out the
 * way Tyk's murmur3 package encodes them (each 64-bit half big-endian).
 */

const murmur128Token = "eyJvcmciOiJkZWZhdWx0IiwiaWQiOiJtaWdyYXRlZC1mcm9tLXR5ayIsImgiOiJtdXJtdXIxMjgifQ==";
const murmur128Hash = "a876cc61969511c478d0cc2d32494331";
const murmur64Token = "eyJvcmciOiJkZWZhdWx0IiwiaWQiOiJtaWdyYXRlZC1mcm9tLXR5ayIsImgiOiJtdXJtdXI2NCJ9";
const murmur64Hash = "a8d411b8863314ab";
/** A legacy (pre-token) key, hashed by Tyk with murmur32. */
const legacyKey = "legacykey12345";
const legacyMurmur32Hash = "dd3c7145";

const secret = { "x-tyk-authorization": "test-admin-secret" };
const session = { org_id: "default", access_rights: accessTo("hashed") };

describe("key hashing", () => {
  beforeAll(async () => {
    await loadApis(securedApi("hashed", { use_standard_auth: true }));
    for (const hash of [murmur128Hash, murmur64Hash, legacyMurmur32Hash]) await store().put("keys", hash, session);
  });

  it("accepts keys migrated from Tyk that name murmur128 or murmur64, whatever the gateway's own function", async () => {
    expect(decodeToken(murmur128Token)).toEqual({ org: "default", id: "migrated-from-tyk", h: "murmur128" });
    expect((await gateway("/hashed/x", { headers: { authorization: murmur128Token } })).status).toBe(200);
    expect((await gateway("/hashed/x", { headers: { authorization: murmur64Token } })).status).toBe(200);
  });

  it("finds legacy murmur32 keys only when murmur32 is a fallback", async () => {
    await expectError(await gateway("/hashed/x", { headers: { authorization: legacyKey } }), 403, "Access to this API has been disallowed");
    const withFallback = gatewayWith({ TYK_GW_HASHKEYFUNCTIONFALLBACK: "murmur32" });
    expect((await withFallback("/hashed/x", { headers: { authorization: legacyKey } })).status).toBe(200);
  });

  it("creates murmur64 keys with TYK_GW_HASHKEYFUNCTION=murmur64 and finds them by hash", async () => {
    const murmur = gatewayWith({ TYK_GW_HASHKEYFUNCTION: "murmur64", TYK_GW_ENABLEHASHEDKEYSLISTING: "true" });
    const reply = await murmur("/tyk/keys/create", { method: "POST", headers: secret, body: JSON.stringify(session) });
    const created = (await reply.json()) as { key: string; key_hash: string };
    expect(decodeToken(created.key)?.h).toBe("murmur64");
    expect(created.key_hash).toMatch(/^[0-9a-f]{16}$/);
    expect(await store().get("keys", created.key_hash)).not.toBeNull();
    expect((await murmur("/hashed/x", { headers: { authorization: created.key } })).status).toBe(200);
    expect((await murmur(`/tyk/keys/${created.key_hash}?hashed=true`, { headers: secret })).status).toBe(200);
    const listed = (await (await murmur("/tyk/keys", { headers: secret })).json()) as { keys: string[] };
    expect(listed.keys).toContain(created.key_hash);
    expect(listed.keys).not.toContain(created.key);
  });

  it("keeps custom keys reachable after the hash function changes, through hash_key_function_fallback", async () => {
    const sha = gatewayWith({});
    expect((await sha("/tyk/keys/my-custom-key", { method: "POST", headers: secret, body: JSON.stringify(session) })).status).toBe(200);
    expect((await sha("/hashed/x", { headers: { authorization: "my-custom-key" } })).status).toBe(200);

    const switched = gatewayWith({ TYK_GW_HASHKEYFUNCTION: "murmur128" });
    await expectError(await switched("/hashed/x", { headers: { authorization: "my-custom-key" } }), 403, "Access to this API has been disallowed");
    const withFallback = gatewayWith({ TYK_GW_HASHKEYFUNCTION: "murmur128", TYK_GW_HASHKEYFUNCTIONFALLBACK: "sha256" });
    expect((await withFallback("/hashed/x", { headers: { authorization: "my-custom-key" } })).status).toBe(200);
    const token = generateToken("default", "my-custom-key", "sha256");
    expect((await withFallback(`/tyk/keys/my-custom-key?org_id=default`, { headers: secret })).status).toBe(200);
    expect((await withFallback("/hashed/x", { headers: { authorization: token } })).status).toBe(200);
  });

  it("refuses an unknown hash function in the configuration, naming the variable", async () => {
    const broken = gatewayWith({ TYK_GW_HASHKEYFUNCTIONFALLBACK: "md5" });
    const response = await broken("/hashed/x");
    expect(response.status).toBe(500);
    expect(await response.text()).toContain("TYK_GW_HASHKEYFUNCTIONFALLBACK");
  });
});
