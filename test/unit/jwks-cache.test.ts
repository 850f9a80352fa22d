import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cacheLifetimeMs, defaultJwksOptions, JwksCache } from "../../src/auth/jwks";

/* The cache's timing logic against a scripted fetcher; the workerd JWT tests use a real JWKS server. */

function scriptedFetcher(responses: (() => Response)[]) {
  const calls: string[] = [];
  const fetcher = (async (input: RequestInfo | URL) => {
    calls.push(String(input));
    const next = responses.shift();
    if (!next) throw new Error("no more responses");
    return next();
  }) as typeof fetch;
  return { fetcher, calls };
}

const set = (kids: string[], cacheControl?: string) => () =>
  new Response(JSON.stringify({ keys: kids.map((kid) => ({ kty: "RSA", kid, n: "x", e: "AQAB" })) }), {
    headers: cacheControl ? { "cache-control": cacheControl } : {},
  });

describe("JWKS cache", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["Date"] }));
  afterEach(() => vi.useRealTimers());

  it("reads max-age, clamps it, and gives no-store the minimum", () => {
    expect(cacheLifetimeMs("public, max-age=600", defaultJwksOptions)).toBe(600_000);
    expect(cacheLifetimeMs("max-age=1", defaultJwksOptions)).toBe(defaultJwksOptions.minTtlMs);
    expect(cacheLifetimeMs("max-age=99999999", defaultJwksOptions)).toBe(defaultJwksOptions.maxTtlMs);
    expect(cacheLifetimeMs("no-store", defaultJwksOptions)).toBe(defaultJwksOptions.minTtlMs);
    expect(cacheLifetimeMs(null, defaultJwksOptions)).toBe(defaultJwksOptions.defaultTtlMs);
  });

  it("serves from cache until max-age, then refetches", async () => {
    const { fetcher, calls } = scriptedFetcher([set(["a"], "max-age=60"), set(["a"], "max-age=60")]);
    const cache = new JwksCache(defaultJwksOptions, fetcher);
    expect(await cache.key("https://idp/jwks", "a")).toMatchObject({ kid: "a" });
    vi.advanceTimersByTime(59_000);
    await cache.key("https://idp/jwks", "a");
    expect(calls).toHaveLength(1);
    vi.advanceTimersByTime(2_000);
    await cache.key("https://idp/jwks", "a");
    expect(calls).toHaveLength(2);
  });

  it("refetches for an unknown kid at most once per cooldown", async () => {
    const { fetcher, calls } = scriptedFetcher([set(["a"], "max-age=3600"), set(["a", "b"], "max-age=3600")]);
    const cache = new JwksCache(defaultJwksOptions, fetcher);
    await cache.key("https://idp/jwks", "a");
    expect(await cache.key("https://idp/jwks", "b")).toBeNull();
    expect(calls).toHaveLength(1);
    vi.advanceTimersByTime(defaultJwksOptions.refreshCooldownMs);
    expect(await cache.key("https://idp/jwks", "b")).toMatchObject({ kid: "b" });
    expect(calls).toHaveLength(2);
  });

  it("keeps serving the last set while the IdP is down, without retrying on every request", async () => {
    const { fetcher, calls } = scriptedFetcher([set(["a"], "max-age=60"), () => new Response("down", { status: 503 })]);
    const cache = new JwksCache(defaultJwksOptions, fetcher);
    await cache.key("https://idp/jwks", "a");
    vi.advanceTimersByTime(61_000);
    expect(await cache.key("https://idp/jwks", "a")).toMatchObject({ kid: "a" });
    expect(await cache.key("https://idp/jwks", "a")).toMatchObject({ kid: "a" });
    expect(calls).toHaveLength(2);
  });

  it("bounds what it keeps: keys per set, encryption keys skipped, oversized sets refused", async () => {
    const many = Array.from({ length: 150 }, (_, index) => `k${index}`);
    const big = () => new Response(JSON.stringify({ keys: [{ kty: "RSA", kid: "x", pad: "y".repeat(300_000) }] }));
    const enc = () => new Response(JSON.stringify({ keys: [{ kty: "RSA", kid: "e", use: "enc" }] }));
    const { fetcher } = scriptedFetcher([set(many), big, enc]);
    const cache = new JwksCache(defaultJwksOptions, fetcher);
    expect(await cache.key("https://idp/many", "k99")).not.toBeNull();
    expect(await cache.key("https://idp/many", "k120")).toBeNull();
    await expect(cache.key("https://idp/big", "x")).rejects.toThrow(/larger than/);
    expect(await cache.key("https://idp/enc", "e")).toBeNull();
  });
});
