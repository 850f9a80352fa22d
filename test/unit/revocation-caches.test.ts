import { describe, expect, it, vi } from "vitest";
import type { Routable } from "../../src/apidef/route-table";
import { ReadThroughCache } from "../../src/lib/read-through-cache";
import type { HeldDocuments } from "../../src/revocation/protocol";
import { RecentKeys } from "../../src/revocation/recent-keys";
import { ConfigCache } from "../../src/snapshot/config-cache";
import type { Store } from "../../src/store";

/* What the session cache, the config snapshot and the recently-changed set do for the revocation channel. */

const background: Promise<unknown>[] = [];
const waitUntil = (promise: Promise<unknown>) => void background.push(promise);
const settle = async () => {
  while (background.length > 0) await background.shift();
};

describe("recently changed keys", () => {
  it("remembers each key until its expiry", () => {
    const recent = new RecentKeys(10);
    recent.add(["a"], 1000, 0);
    recent.add(["b"], 2000, 500);
    expect([recent.has("a", 999), recent.has("a", 1000), recent.has("b", 1999), recent.has("c", 0)]).toEqual([true, false, true, false]);
  });

  it("stays bounded, and counts every key as recent rather than forget a live one", () => {
    const recent = new RecentKeys(2);
    recent.add(["a", "b"], 1000, 0);
    recent.add(["c"], 1100, 100);
    expect(recent.size).toBe(2);
    expect(recent.has("never-added", 999)).toBe(true);
    expect(recent.has("never-added", 1000)).toBe(false);
    expect(recent.has("c", 1099)).toBe(true);
  });

  it("drops expired keys first, without widening to every key", () => {
    const recent = new RecentKeys(2);
    recent.add(["a", "b"], 1000, 0);
    recent.add(["c"], 3000, 2000);
    expect(recent.size).toBe(1);
    expect(recent.has("never-added", 2000)).toBe(false);
  });
});

describe("the session cache's part in revocation", () => {
  it("does not keep what a read in flight brings back once the entry is forgotten", async () => {
    let release: (value: string) => void = () => undefined;
    let reads = 0;
    const cache = new ReadThroughCache<string>(
      () => {
        reads++;
        return new Promise((resolve) => (release = resolve));
      },
      { ttlMs: 10_000, maxEntries: 10 },
    );
    const pending = cache.get("k", waitUntil);
    cache.delete("k");
    release("before the change");
    expect(await pending).toBe("before the change");
    const again = cache.get("k", waitUntil);
    expect(again).toBeInstanceOf(Promise);
    release("after the change");
    expect(await again).toBe("after the change");
    expect(reads).toBe(2);
  });

  it("serves nothing read longer ago than the age it is given, whatever the TTL", async () => {
    vi.useFakeTimers();
    try {
      let version = 1;
      const cache = new ReadThroughCache(async () => `v${version}`, { ttlMs: 10_000, maxEntries: 10 });
      expect(await cache.get("k", waitUntil)).toBe("v1");
      version = 2;
      vi.advanceTimersByTime(1500);
      expect(await cache.get("k", waitUntil)).toBe("v1");
      expect(await cache.get("k", waitUntil, 2000)).toBe("v1");
      vi.advanceTimersByTime(500);
      expect(await cache.get("k", waitUntil, 2000)).toBe("v2");
      cache.clear();
      version = 3;
      expect(await cache.get("k", waitUntil)).toBe("v3");
    } finally {
      vi.useRealTimers();
    }
  });
});

/** A store holding only a config version; `hold()` keeps the next reads until `release()`. */
class VersionStore {
  version = "v1";
  versionReads = 0;
  private gate: Promise<void> | null = null;
  private open: () => void = () => undefined;

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.gate = null;
    this.open();
  }

  async getConfigVersion(): Promise<string> {
    this.versionReads++;
    const version = this.version;
    await this.gate;
    return version;
  }

  policies = new Map<string, unknown>();

  async getAll(kind: string): Promise<Map<string, unknown>> {
    return kind === "policies" ? new Map(this.policies) : new Map();
  }
}

type TestChannel = { boundMs: number; check: () => boolean | Promise<boolean>; heldDocuments: () => Promise<HeldDocuments | undefined> };

function configCache(store: VersionStore, channel?: TestChannel) {
  return new ConfigCache<Routable>(store as unknown as Store, { checkIntervalMs: 5000, customDomains: true, compileApis: () => [], channel });
}

describe("the config snapshot's part in revocation", () => {
  it("keeps no load that invalidate() dropped: the next request gets one that read the store after the change", async () => {
    const store = new VersionStore();
    const cache = configCache(store);
    await cache.current(waitUntil);
    store.hold();
    const early = cache.refresh();
    store.version = "v2";
    cache.invalidate();
    store.release();
    await early;
    expect((await cache.current(waitUntil)).version).toBe("v2");
  });

  it("loads again on refresh(), after a load already under way", async () => {
    const store = new VersionStore();
    const cache = configCache(store);
    store.hold();
    const first = cache.current(waitUntil);
    const refreshed = cache.refresh();
    store.version = "v2";
    store.release();
    await first;
    await refreshed;
    expect(cache.servedVersion()).toBe("v2");
  });

  it("waits for the channel when it asks, and checks the store's version every bound when the channel cannot be heard", async () => {
    vi.useFakeTimers();
    try {
      const store = new VersionStore();
      let answer: boolean | Promise<boolean> = true;
      const cache = configCache(store, { boundMs: 2000, check: () => answer, heldDocuments: async () => undefined });
      await cache.current(waitUntil);
      const reads = store.versionReads;

      answer = Promise.resolve(true);
      expect(cache.current(waitUntil)).toBeInstanceOf(Promise);
      answer = true;
      vi.advanceTimersByTime(2000);
      cache.current(waitUntil);
      expect(store.versionReads).toBe(reads);

      answer = false;
      cache.current(waitUntil);
      await settle();
      expect(store.versionReads).toBe(reads + 1);
    } finally {
      vi.useRealTimers();
    }
  });

  it("lays the definitions and policies the channel holds over what the store returned", async () => {
    const store = new VersionStore();
    store.policies.set("stale", { id: "stale", org_id: "o" });
    store.policies.set("deleted", { id: "deleted", org_id: "o" });
    const held: HeldDocuments = {
      apis: [],
      policies: [
        { id: "stale", body: JSON.stringify({ id: "stale", org_id: "o", rate: 7 }) },
        { id: "deleted", body: null },
        { id: "new", body: JSON.stringify({ id: "new", org_id: "o" }) },
      ],
    };
    const cache = configCache(store, { boundMs: 2000, check: () => true, heldDocuments: async () => held });
    const snapshot = await cache.current(waitUntil);
    expect([...snapshot.policies.keys()].sort()).toEqual(["new", "stale"]);
    expect(snapshot.policies.get("stale")?.rate).toBe(7);
  });
});
