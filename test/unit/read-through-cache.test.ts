import { describe, expect, it, vi } from "vitest";
import { ReadThroughCache } from "../../src/lib/read-through-cache";

const background: Promise<unknown>[] = [];
const waitUntil = (promise: Promise<unknown>) => void background.push(promise);

describe("ReadThroughCache", () => {
  it("makes one read for concurrent misses of the same id", async () => {
    const fetch = vi.fn(async (id: string) => `value-of-${id}`);
    const cache = new ReadThroughCache(fetch, { ttlMs: 1000, maxEntries: 10 });
    const values = await Promise.all(Array.from({ length: 20 }, () => cache.get("k", waitUntil)));
    expect(new Set(values)).toEqual(new Set(["value-of-k"]));
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("caches misses too", async () => {
    const fetch = vi.fn(async () => null);
    const cache = new ReadThroughCache<string>(fetch, { ttlMs: 1000, maxEntries: 10 });
    expect(await cache.get("missing", waitUntil)).toBeNull();
    expect(await cache.get("missing", waitUntil)).toBeNull();
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("serves a stale entry once while refreshing it in the background, and never one older than twice the TTL", async () => {
    vi.useFakeTimers();
    try {
      let version = 1;
      const fetch = vi.fn(async () => `v${version}`);
      const cache = new ReadThroughCache(fetch, { ttlMs: 1000, maxEntries: 10 });
      expect(await cache.get("k", waitUntil)).toBe("v1");
      version = 2;
      vi.advanceTimersByTime(1500);
      expect(await cache.get("k", waitUntil)).toBe("v1");
      await Promise.all(background);
      expect(await cache.get("k", waitUntil)).toBe("v2");
      version = 3;
      vi.advanceTimersByTime(2500);
      expect(await cache.get("k", waitUntil)).toBe("v3");
    } finally {
      vi.useRealTimers();
    }
  });

  it("lets a local write win over a read that was in flight", async () => {
    let release: (value: string) => void = () => undefined;
    const cache = new ReadThroughCache(() => new Promise<string>((resolve) => (release = resolve)), { ttlMs: 1000, maxEntries: 10 });
    const pending = cache.get("k", waitUntil);
    cache.set("k", null);
    release("old");
    await pending;
    expect(await cache.get("k", waitUntil)).toBeNull();
  });

  it("evicts the oldest entry beyond maxEntries", async () => {
    const fetch = vi.fn(async (id: string) => id);
    const cache = new ReadThroughCache(fetch, { ttlMs: 1000, maxEntries: 2 });
    for (const id of ["a", "b", "c"]) await cache.get(id, waitUntil);
    await cache.get("a", waitUntil);
    expect(fetch).toHaveBeenCalledTimes(4);
  });
});
