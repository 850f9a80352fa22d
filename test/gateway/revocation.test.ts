import { createExecutionContext, env, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import type { Bindings } from "../../src/chain/gateway";
import { createGateway } from "../../src/gateway";
import type { Revocations } from "../../src/revocation/durable-object";
import { pageSize, propagationWindowMs, type Announcement } from "../../src/revocation/protocol";
import { accessRightsFor, admin, protectedApi } from "../support/admin";
import { loadApis, store } from "../support/gateway";

/*
 * The revocation channel in workerd: the Revocations object through its RPC
 * methods (one object per test, named after it), and gateways built like a
 * second isolate's (their own caches, the Worker's bindings) that must hear of
 * changes made through the Worker's Gateway API.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const boundMs = 2000;

function object(name: string): DurableObjectStub<Revocations> {
  return env.REVOCATIONS.get(env.REVOCATIONS.idFromName(name));
}

const keyChange = (id: string, body?: string | null, expiresAt = 0): Announcement => ({
  kind: "key",
  id,
  document: body === undefined ? undefined : { body, expiresAt },
});

/** Makes every logged change and held session older by `ms`, as if that much time had passed. */
async function age(stub: DurableObjectStub<Revocations>, ms: number): Promise<void> {
  await runInDurableObject(stub, (_instance: Revocations, state) => {
    state.storage.sql.exec("UPDATE changes SET at = at - ?", ms);
    state.storage.sql.exec("UPDATE held SET at = at - ?", ms);
  });
}

describe("the Revocations object", () => {
  it("starts a new isolate at the newest position, then answers only what changed after it", async () => {
    const stub = object("positions");
    await stub.announce(keyChange("before"));
    const first = await stub.changesSince(null, null);
    expect(first).toMatchObject({ seq: 1, flush: true, complete: true, configVersion: "" });

    await stub.announce(keyChange("after-1"));
    await stub.announce(keyChange("after-2"));
    expect(await stub.changesSince(first.epoch, first.seq)).toMatchObject({
      seq: 3,
      keys: ["after-1", "after-2"],
      config: false,
      flush: false,
      complete: true,
    });
    expect(await stub.changesSince(first.epoch, 3)).toMatchObject({ seq: 3, keys: [], flush: false });
  });

  it("numbers key changes and reloads in one order, naming the latest reload's version", async () => {
    const stub = object("order");
    const { epoch } = await stub.changesSince(null, null);
    expect(await stub.announce(keyChange("k1"))).toBe(1);
    expect(await stub.announce({ kind: "config", version: "v7" })).toBe(2);
    expect(await stub.announce(keyChange("k2"))).toBe(3);
    const changes = await stub.changesSince(epoch, 0);
    expect(changes).toMatchObject({ seq: 3, keys: ["k1", "k2"], config: true, configVersion: "v7", flush: false });
    expect(Date.now() - changes.configAt).toBeLessThan(5000);
    expect(await stub.changesSince(epoch, 2)).toMatchObject({ keys: ["k2"], config: false, configVersion: "v7" });
  });

  it(`pages a backlog longer than ${pageSize} changes`, async () => {
    const stub = object("backlog");
    const { epoch } = await stub.changesSince(null, null);
    await runInDurableObject(stub, (instance: Revocations) => {
      for (let change = 0; change <= pageSize; change++) instance.announce(keyChange(`key-${change}`));
    });
    const first = await stub.changesSince(epoch, 0);
    expect(first).toMatchObject({ seq: pageSize, complete: false });
    expect(first.keys).toHaveLength(pageSize);
    expect(await stub.changesSince(epoch, first.seq)).toMatchObject({ seq: pageSize + 1, keys: [`key-${pageSize}`], complete: true });
  });

  it("tells an isolate to forget everything when the log no longer reaches its position, or it comes from another history", async () => {
    const stub = object("flushes");
    const { epoch } = await stub.changesSince(null, null);
    await stub.announce(keyChange("old"));
    await age(stub, propagationWindowMs + 1000);
    await stub.announce(keyChange("new"));

    expect(await stub.changesSince(epoch, 1)).toMatchObject({ seq: 2, keys: ["new"], flush: false });
    expect(await stub.changesSince(epoch, 0)).toMatchObject({ seq: 2, flush: true });
    expect(await stub.changesSince("another-history", 2)).toMatchObject({ seq: 2, flush: true });
    expect(await stub.changesSince(epoch, 9)).toMatchObject({ seq: 2, flush: true });
  });

  it("holds announced sessions for the propagation window: the latest, null once deleted or past its lifetime, then none", async () => {
    const stub = object("held");
    await stub.announce(keyChange("edited", '{"v":1}'));
    await stub.announce(keyChange("edited", '{"v":2}'));
    await stub.announce(keyChange("deleted", '{"v":1}'));
    await stub.announce(keyChange("deleted", null));
    await stub.announce(keyChange("short-lived", '{"v":1}', Date.now() - 1));
    await stub.announce(keyChange("on-upstash"));

    expect(await stub.held("edited")).toEqual({ known: true, body: '{"v":2}' });
    expect(await stub.held("deleted")).toEqual({ known: true, body: null });
    expect(await stub.held("short-lived")).toEqual({ known: true, body: null });
    expect(await stub.held("on-upstash")).toEqual({ known: false, body: null });
    expect(await stub.held("never-changed")).toEqual({ known: false, body: null });

    const flush = await stub.changesSince(null, null);
    expect(new Set(flush.keys)).toEqual(new Set(["edited", "deleted", "short-lived"]));

    await age(stub, propagationWindowMs + 1000);
    expect(await stub.held("edited")).toEqual({ known: false, body: null });
    expect((await stub.changesSince(null, null)).keys).toEqual([]);
  });

  it("holds written definitions and policies for the window, without logging them as changes", async () => {
    const stub = object("documents");
    const { epoch, seq } = await stub.changesSince(null, null);
    await stub.announce({ kind: "document", collection: "policies", id: "gold", body: '{"id":"gold"}' });
    await stub.announce({ kind: "document", collection: "apis", id: "shop", body: null });
    expect(await stub.changesSince(epoch, seq)).toMatchObject({ seq, keys: [], flush: false });
    expect(await stub.heldDocuments()).toEqual({ apis: [{ id: "shop", body: null }], policies: [{ id: "gold", body: '{"id":"gold"}' }] });
    expect(await stub.held("gold")).toEqual({ known: false, body: null });

    await age(stub, propagationWindowMs + 1000);
    expect(await stub.heldDocuments()).toEqual({ apis: [], policies: [] });
  });
});

describe("a gateway in another isolate", () => {
  const apiId = "revoked";

  /** A gateway with its own caches, as another isolate of the Worker would have. */
  function isolate(overrides: Partial<Bindings> = {}) {
    const bindings: Bindings = { ...env, ...overrides };
    const gateway = createGateway(bindings);
    const app = createApp(() => gateway);
    const send = async (key: string) => {
      const response = await app.request(`http://gateway.test/${apiId}/resource`, { headers: { authorization: key } }, bindings, createExecutionContext());
      await response.body?.cancel();
      return response.status;
    };
    return { gateway, send };
  }

  async function createKey(): Promise<{ key: string; hash: string }> {
    const reply = await admin("POST", "/keys/create", { org_id: "default", access_rights: accessRightsFor(apiId) });
    expect(reply.status).toBe(200);
    const body = reply.body as { key: string; key_hash: string };
    return { key: body.key, hash: body.key_hash };
  }

  async function refusedWithin(send: (key: string) => Promise<number>, key: string, withinMs: number): Promise<number | null> {
    const since = Date.now();
    while (Date.now() - since < withinMs) {
      if ((await send(key)) === 403) return Date.now() - since;
      await sleep(25);
    }
    return null;
  }

  beforeAll(async () => {
    await loadApis(protectedApi(apiId));
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it(`refuses a key deleted through the Worker's Gateway API within ${boundMs} ms, its session cache TTL being 10 s`, async () => {
    const other = isolate();
    const { key } = await createKey();
    expect(await other.send(key)).toBe(200);

    expect((await admin("DELETE", `/keys/${key}`)).status).toBe(200);
    const refusedAfter = await refusedWithin(other.send, key, boundMs + 500);
    expect(refusedAfter).not.toBeNull();
    expect(refusedAfter!).toBeLessThan(boundMs);
  });

  it("takes a recently changed key's session from the object, not from a store that still has the old one", async () => {
    const other = isolate();
    const { key, hash } = await createKey();
    expect(await other.send(key)).toBe(200);
    const before = await store().get("keys", hash);

    expect((await admin("PUT", `/keys/${key}?suppress_reset=1`, { org_id: "default", access_rights: accessRightsFor("elsewhere") })).status).toBe(200);
    // What a KV location that has not seen the write yet would return.
    await store().put("keys", hash, before);
    expect(await refusedWithin(other.send, key, boundMs + 500)).not.toBeNull();
    await sleep(100);
    expect(await other.send(key)).toBe(403);
  });

  it(`when the channel fails, serves no session read from the store more than ${boundMs} ms ago`, async () => {
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void errors.push(String(line)));
    // A Durable Object that is not a Revocations object: every call to it fails.
    const broken = isolate({ REVOCATIONS: env.CIRCUIT_BREAKER as unknown as Bindings["REVOCATIONS"] });
    const { key, hash } = await createKey();
    expect(await broken.send(key)).toBe(200);

    await store().delete("keys", hash);
    const deletedAt = Date.now();
    const refusedAfter = await refusedWithin(broken.send, key, boundMs + 1000);
    expect(refusedAfter).not.toBeNull();
    expect(Date.now() - deletedAt).toBeLessThan(boundMs + 500);
    expect(errors.some((line) => line.includes("revocation channel unavailable"))).toBe(true);
  });

  it("without the binding, or with PORTCULLIS_REVOCATION_SECONDS=0, has no channel; only the missing binding is warned about", async () => {
    const warnings: string[] = [];
    vi.spyOn(console, "warn").mockImplementation((line: unknown) => void warnings.push(String(line)));
    expect(isolate({ PORTCULLIS_REVOCATION_SECONDS: "0" }).gateway.revocations).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(isolate({ REVOCATIONS: undefined }).gateway.revocations).toBeUndefined();
    expect(warnings.some((line) => line.includes("REVOCATIONS Durable Object binding is missing"))).toBe(true);
    expect(isolate().gateway.revocations?.boundMs).toBe(boundMs);
  });
});
