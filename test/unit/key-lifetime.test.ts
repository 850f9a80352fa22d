import { describe, expect, it } from "vitest";
import { storeTtlSeconds } from "../../src/admin/key-lifetime";
import { sessionSchema } from "../../src/session/schema";

const session = (fields: Record<string, unknown> = {}) => sessionSchema.parse(fields);
const unforced = { globalSessionLifetime: 0, forceGlobalSessionLifetime: false };
const api = (sessionLifetime: number, respectsKeyExpiration = false) => ({ sessionLifetime, respectsKeyExpiration });

describe("stored key lifetime", () => {
  it("is unlimited without any lifetime", () => {
    expect(storeTtlSeconds(session(), [], unforced)).toBeUndefined();
    expect(storeTtlSeconds(session(), [api(0)], unforced)).toBeUndefined();
  });

  it("takes the key's own lifetime over the API's, and the longest across APIs", () => {
    expect(storeTtlSeconds(session({ session_lifetime: 50 }), [api(100)], unforced)).toBe(50);
    expect(storeTtlSeconds(session(), [api(100), api(300)], unforced)).toBe(300);
  });

  it("stretches to the key's expiry when the API says so, and keeps never-expiring keys forever", () => {
    expect(storeTtlSeconds(session({ expires: 1_000 + 500 }), [api(100, true)], unforced, 1_000)).toBe(500);
    expect(storeTtlSeconds(session({ expires: 1_000 + 50 }), [api(100, true)], unforced, 1_000)).toBe(100);
    expect(storeTtlSeconds(session({ expires: -1 }), [api(100, true), api(300)], unforced, 1_000)).toBeUndefined();
  });

  it("lets a forced global lifetime win, -1 meaning forever", () => {
    expect(storeTtlSeconds(session({ session_lifetime: 50 }), [api(100)], { globalSessionLifetime: 10, forceGlobalSessionLifetime: true })).toBe(10);
    expect(storeTtlSeconds(session(), [api(100)], { globalSessionLifetime: -1, forceGlobalSessionLifetime: true })).toBeUndefined();
    expect(storeTtlSeconds(session(), [api(100)], { globalSessionLifetime: 10, forceGlobalSessionLifetime: false })).toBe(100);
  });
});
