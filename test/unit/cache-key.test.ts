import { describe, expect, it } from "vitest";
import { bodyPart, entryUrl, hashesBody, headersPart, keyMaterial, type KeyParts } from "../../src/cache/key";
import { generationsFrom, newGeneration } from "../../src/cache/generations";
import { utf8 } from "../../src/lib/encoding";

const base: KeyParts = {
  apiId: "api",
  generation: "",
  version: "Default",
  keyId: undefined,
  clientIp: "192.0.2.1",
  method: "GET",
  url: "/api/items?page=1",
  headers: "",
  body: undefined,
};

describe("cache keys", () => {
  it("are the same for the same request from the same caller", () => {
    expect(keyMaterial(base)).toBe(keyMaterial({ ...base }));
  });

  it("differ in every part Tyk keys on, and in the generation and version", () => {
    const keys = [
      base,
      { ...base, apiId: "other" },
      { ...base, generation: "g2" },
      { ...base, version: "v2" },
      { ...base, keyId: "key-a" },
      { ...base, keyId: "key-b" },
      { ...base, clientIp: "192.0.2.2" },
      { ...base, method: "HEAD" },
      { ...base, url: "/api/items?page=2" },
      { ...base, headers: "X-Tenant-a" },
      { ...base, body: "00ff" },
    ].map(keyMaterial);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("key a request that carries a key by the key alone, not the address (Tyk falls back to the address only without one)", () => {
    const keyed = { ...base, keyId: "key-a" };
    expect(keyMaterial({ ...keyed, clientIp: "198.51.100.9" })).toBe(keyMaterial(keyed));
  });

  it("cannot be forged by moving text between parts", () => {
    expect(keyMaterial({ ...base, url: "/a", headers: "b" })).not.toBe(keyMaterial({ ...base, url: "/ab", headers: "" }));
    expect(keyMaterial({ ...base, keyId: "192.0.2.1" })).not.toBe(keyMaterial(base));
  });

  it("hash the body of POST, PUT and PATCH only", () => {
    expect(["POST", "PUT", "PATCH"].every(hashesBody)).toBe(true);
    expect(["GET", "HEAD", "OPTIONS", "DELETE"].some(hashesBody)).toBe(false);
  });

  it("take the whole body, or the first match of cache_key_regex, or nothing when it does not match", () => {
    const body = utf8('{"query":"books","session":"abc"}');
    expect(bodyPart(body, undefined)).toEqual(body);
    expect(new TextDecoder().decode(bodyPart(body, /"query":"[^"]*"/)!)).toBe('"query":"books"');
    expect(bodyPart(body, /"missing"/)).toBeNull();
  });

  it("take each cache_by_headers header as name-value, a missing one as empty", () => {
    const headers = new Headers({ "x-tenant": "acme", "x-region": "eu" });
    expect(headersPart(["X-Tenant", "X-Absent", "X-Region"], headers)).toBe("X-Tenant-acmeX-Absent-X-Region-eu");
    expect(headersPart([], headers)).toBe("");
  });

  it("name Cache API entries under the request's host by the key's SHA-256, so no key or address shows in the URL", async () => {
    const keyed = keyMaterial({ ...base, keyId: "secret-key-id" });
    const url = await entryUrl("api.example.com", keyed);
    expect(url).toMatch(/^https:\/\/api\.example\.com\/__portcullis-cache\/[0-9a-f]{64}$/);
    expect(url).not.toContain("secret");
    expect(await entryUrl("api.example.com", keyed)).toBe(url);
    expect(await entryUrl("api.example.com", keyMaterial(base))).not.toBe(url);
  });
});

describe("cache generations", () => {
  it("are unique and read back from stored documents; anything else is left out", () => {
    const first = newGeneration();
    expect(newGeneration().generation).not.toBe(first.generation);
    const read = generationsFrom(
      new Map<string, unknown>([
        ["a", first],
        ["b", { generation: 3 }],
        ["c", "junk"],
      ]),
    );
    expect([...read]).toEqual([["a", first.generation]]);
  });
});
