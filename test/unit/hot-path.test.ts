import { afterEach, describe, expect, it, vi } from "vitest";
import { hex } from "../../src/lib/encoding";
import { upstreamUrl } from "../../src/proxy/target";
import { KeyStore } from "../../src/session/key-store";
import { generateToken, hashKey } from "../../src/session/keys";
import type { Store } from "../../src/store";

/*
 * What the hot path does once instead of per request (issue 18): hex through a
 * table, a target's URL parts read once, and a presented key decoded and
 * hashed once per isolate. Each must answer exactly as the per-request work did.
 */

describe("hex", () => {
  it("spells every byte as two lower-case digits, from a Uint8Array or an ArrayBuffer", () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, byte) => byte);
    const expected = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    expect(hex(bytes)).toBe(expected);
    expect(hex(bytes.buffer)).toBe(expected);
    expect(hex(new Uint8Array(0))).toBe("");
  });
});

describe("the upstream URL", () => {
  it("joins the target's path and the request path with one slash, the target's query first", () => {
    const target = new URL("http://127.0.0.1:8080/base/?fixed=1");
    expect(upstreamUrl(target, "/get", "?a=b")).toBe("http://127.0.0.1:8080/base/get?fixed=1&a=b");
    // The same target again: its parts are remembered, the answer is the same.
    expect(upstreamUrl(target, "/get", "")).toBe("http://127.0.0.1:8080/base/get?fixed=1");
    expect(upstreamUrl(new URL("http://127.0.0.1:8080"), "/get", "?a=b")).toBe("http://127.0.0.1:8080/get?a=b");
    expect(upstreamUrl(new URL("http://127.0.0.1:8080/base"), "/", "")).toBe("http://127.0.0.1:8080/base/");
    expect(upstreamUrl(new URL("https://example.test/v1?k=v"), "/x", "a=1")).toBe("https://example.test/v1/x?k=v&a=1");
  });
});

/** Sessions by storage id, in memory: only `get` and `put` are used by these lookups. */
function memoryStore(): Store & { sessions: Map<string, unknown> } {
  const sessions = new Map<string, unknown>();
  const unused = () => Promise.reject(new Error("not used by key lookups"));
  return {
    sessions,
    get: (_kind, id) => Promise.resolve(sessions.get(id) ?? null),
    put: (_kind, id, document) => Promise.resolve(void sessions.set(id, document)),
    getAll: unused,
    listIds: unused,
    delete: unused,
    getConfigVersion: unused,
    bumpConfigVersion: unused,
    ping: unused,
  };
}

const waitUntil = (promise: Promise<unknown>) => void promise.catch(() => undefined);

describe("key lookups", () => {
  afterEach(() => vi.restoreAllMocks());

  it("find a custom key's session in each org under the org's own token: what is remembered is per org", async () => {
    const store = memoryStore();
    const keys = new KeyStore(store, { hashKeys: true, hashKeyFunction: "sha256", sessionCacheMs: 60_000 });
    store.sessions.set(await hashKey(generateToken("org-a", "name", "sha256"), "sha256"), { org_id: "org-a", alias: "a" });
    store.sessions.set(await hashKey(generateToken("org-b", "name", "sha256"), "sha256"), { org_id: "org-b", alias: "b" });
    for (let round = 0; round < 2; round++) {
      expect((await keys.lookup("name", "org-a", waitUntil))?.session.alias).toBe("a");
      expect((await keys.lookup("name", "org-b", waitUntil))?.session.alias).toBe("b");
      expect(await keys.lookup("name", "org-c", waitUntil)).toBeNull();
    }
  });

  it("hash a presented key once, then only look its session up; a longer key than any real one is hashed each time", async () => {
    const store = memoryStore();
    const keys = new KeyStore(store, { hashKeys: true, hashKeyFunction: "sha256", sessionCacheMs: 60_000 });
    const token = generateToken("default", "abc", "sha256");
    const long = `ey${"k".repeat(300)}`;
    store.sessions.set(await hashKey(token, "sha256"), { org_id: "default" });
    store.sessions.set(await hashKey(long, "sha256"), { org_id: "default" });
    const digest = vi.spyOn(crypto.subtle, "digest");

    expect(await keys.lookup(token, "default", waitUntil)).not.toBeNull();
    expect(digest).toHaveBeenCalledTimes(1);
    expect(await keys.lookup(token, "default", waitUntil)).not.toBeNull();
    expect(digest).toHaveBeenCalledTimes(1);

    expect(await keys.lookup(long, "default", waitUntil)).not.toBeNull();
    expect(await keys.lookup(long, "default", waitUntil)).not.toBeNull();
    expect(digest).toHaveBeenCalledTimes(3);
  });

  it("serve the key's current session after a change, though its storage id is remembered", async () => {
    const store = memoryStore();
    const keys = new KeyStore(store, { hashKeys: true, hashKeyFunction: "sha256", sessionCacheMs: 60_000 });
    const token = generateToken("default", "abc", "sha256");
    const storageId = await hashKey(token, "sha256");
    store.sessions.set(storageId, { org_id: "default", alias: "before" });
    expect((await keys.lookup(token, "default", waitUntil))?.session.alias).toBe("before");
    await keys.write(storageId, { ...(await keys.read(storageId))!, alias: "after" });
    expect((await keys.lookup(token, "default", waitUntil))?.session.alias).toBe("after");
  });
});
