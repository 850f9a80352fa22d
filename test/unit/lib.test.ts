import { afterEach, describe, expect, it, vi } from "vitest";
import { Logger, requestIdOf } from "../../src/lib/logger";
import { LruCache } from "../../src/lib/lru";

describe("LruCache", () => {
  it("forgets the least recently used entry beyond its bound", () => {
    const cache = new LruCache<string, number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.get("a")).toBe(1); // a is now the most recent
    cache.set("c", 3);
    expect(cache.has("b")).toBe(false);
    expect([cache.get("a"), cache.get("c"), cache.size]).toEqual([1, 3, 2]);
  });

  it("peeks without refreshing an entry's age", () => {
    const cache = new LruCache<string, number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.peek("a")).toBe(1);
    cache.set("c", 3);
    expect(cache.has("a")).toBe(false);
  });
});

describe("Logger", () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes one JSON line with level, message and the request's fields", () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: string) => void lines.push(line));
    new Logger({ request_id: "ray-1" }).with({ api_id: "orders" }).error("upstream request failed", { error: new TypeError("boom") });
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { level: "error", message: "upstream request failed", request_id: "ray-1", api_id: "orders", error: "TypeError: boom" },
    ]);
  });

  it("uses Cloudflare's ray id as the request id, else a fresh one", () => {
    expect(requestIdOf(new Headers({ "cf-ray": "8abc-LHR" }))).toBe("8abc-LHR");
    const generated = requestIdOf(new Headers());
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf(new Headers())).not.toBe(generated);
  });
});
