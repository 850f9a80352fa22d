import { beforeAll, describe, expect, it } from "vitest";
import { hashKey } from "../../src/session/keys";
import { adminHeaders, echoOf, gateway, keylessApi, reload, tykError } from "../support/gateway";
import { flushRedis, upstashStore } from "./support/upstash";

const store = upstashStore();

/** Writes a definition through `POST /tyk/apis`. */
async function saveApi(definition: Record<string, unknown>): Promise<void> {
  const response = await gateway("/tyk/apis", { method: "POST", headers: adminHeaders, body: JSON.stringify(definition) });
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({ key: definition.api_id, status: "ok", action: "added" });
}

/** Creates a key through `POST /tyk/keys/create` and returns it. */
async function createKey(session: Record<string, unknown>): Promise<string> {
  const response = await gateway("/tyk/keys/create", { method: "POST", headers: adminHeaders, body: JSON.stringify(session) });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { key: string; status: string; action: string };
  expect(body).toMatchObject({ status: "ok", action: "added" });
  return body.key;
}

const protectedApi = () =>
  keylessApi({ api_id: "protected", name: "Protected", use_keyless: false, use_standard_auth: true, proxy: { listen_path: "/protected/" } });

describe("the gateway on the Upstash backend", () => {
  let key: string;

  beforeAll(async () => {
    await flushRedis();
    await saveApi(keylessApi());
    await saveApi(protectedApi());
    await reload();
    key = await createKey({
      org_id: "default",
      access_rights: { protected: { api_id: "protected", api_name: "Protected", versions: ["Default"] } },
    });
  });

  it("keeps API definitions and keys in Redis, keys only under their hash", async () => {
    expect((await store.listIds("apis")).sort()).toEqual(["keyless", "protected"]);
    expect(await store.get("apis", "protected")).toMatchObject({ api_id: "protected", use_standard_auth: true });
    expect(await store.get("keys", key)).toBeNull();
    expect(await store.get("keys", await hashKey(key, "sha256"))).toMatchObject({ org_id: "default" });
    expect(Number(await store.getConfigVersion())).toBeGreaterThan(0);
  });

  it("proxies a keyless request to the upstream", async () => {
    const response = await gateway("/keyless/things?a=1", { method: "POST", body: "payload" });
    expect(response.status).toBe(200);
    const echo = await echoOf(response);
    expect(echo.path).toBe("/things?a=1");
    expect(echo.body).toBe("payload");
  });

  it("proxies a request authenticated with a key read from Redis", async () => {
    const response = await gateway("/protected/resource", { headers: { authorization: key } });
    expect(response.status).toBe(200);
    expect((await echoOf(response)).path).toBe("/resource");
  });

  it("refuses a missing key with 401 and an unknown key with 403", async () => {
    const missing = await gateway("/protected/resource");
    expect(missing.status).toBe(401);
    expect(await tykError(missing)).toBe("Authorization field missing");
    const unknown = await gateway("/protected/resource", { headers: { authorization: `${key}x` } });
    expect(unknown.status).toBe(403);
    expect(await tykError(unknown)).toBe("Access to this API has been disallowed");
  });

  it("serves a definition changed in Redis once /tyk/reload bumps the version", async () => {
    const before = await store.getConfigVersion();
    await store.put("apis", "keyless", keylessApi({ proxy: { listen_path: "/moved/" } }));
    await reload();
    expect(Number(await store.getConfigVersion())).toBeGreaterThan(Number(before));
    expect((await gateway("/moved/x")).status).toBe(200);
    expect((await gateway("/keyless/x")).status).toBe(404);
  });

  it("picks up a change another isolate published by bumping the version in Redis", async () => {
    await store.put("apis", "published", keylessApi({ api_id: "published", proxy: { listen_path: "/published/" } }));
    await store.bumpConfigVersion();
    // The first request after the bump starts the version check in the background; later ones see the result.
    let status = 0;
    for (let attempt = 0; attempt < 40 && status !== 200; attempt++) {
      status = (await gateway("/published/x")).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(status).toBe(200);
  });
});
