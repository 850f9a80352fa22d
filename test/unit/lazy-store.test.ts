import { describe, expect, it } from "vitest";
import { createStore } from "../../src/store";
import { LazyStore } from "../../src/store/lazy";
import type { Store } from "../../src/store/store";

/** A store answering every read with the same version, counting calls. */
function fakeStore(version: string): Store & { calls: number } {
  const store = {
    calls: 0,
    get: async () => null,
    getAll: async () => new Map(),
    listIds: async () => [],
    put: async () => undefined,
    delete: async () => false,
    getConfigVersion: async () => {
      store.calls += 1;
      return version;
    },
    bumpConfigVersion: async () => version,
    ping: async () => undefined,
  };
  return store;
}

describe("LazyStore", () => {
  it("loads its backend once, on the first call, and shares it between concurrent calls", async () => {
    let loads = 0;
    const backend = fakeStore("7");
    const store = new LazyStore(async () => {
      loads += 1;
      return backend;
    });
    expect(loads).toBe(0);
    expect(await Promise.all([store.getConfigVersion(), store.getConfigVersion()])).toEqual(["7", "7"]);
    expect(await store.getConfigVersion()).toBe("7");
    expect(loads).toBe(1);
    expect(backend.calls).toBe(3);
  });

  it("tries the load again on the next call after a failed one", async () => {
    let loads = 0;
    const store = new LazyStore(async () => {
      loads += 1;
      if (loads === 1) throw new Error("module failed to load");
      return fakeStore("2");
    });
    await expect(store.getConfigVersion()).rejects.toThrow("module failed to load");
    expect(await store.getConfigVersion()).toBe("2");
    expect(loads).toBe(2);
  });

  it("is what createStore gives for Upstash, without contacting it until used", () => {
    const store = createStore({ type: "upstash", url: "http://127.0.0.1:9", token: "t" }, {});
    expect(store).toBeInstanceOf(LazyStore);
  });
});
