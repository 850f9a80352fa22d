import { describe, expect, it } from "vitest";
import { VerifiedTokens } from "../../src/auth/jwt-verified";

const bounds = { maxEntries: 3, maxTotalChars: 30, maxTokenChars: 12 };

describe("VerifiedTokens", () => {
  it("forgets the least recently used token past the entry bound", () => {
    const tokens = new VerifiedTokens<string>(bounds);
    for (const token of ["a", "b", "c"]) tokens.set(token, token.toUpperCase());
    expect(tokens.get("a")).toBe("A");
    tokens.set("d", "D");
    expect(tokens.size).toBe(3);
    expect(tokens.get("b")).toBeUndefined();
    expect([tokens.get("a"), tokens.get("c"), tokens.get("d")]).toEqual(["A", "C", "D"]);
  });

  it("forgets the oldest tokens once their total length passes the bound", () => {
    const tokens = new VerifiedTokens<number>(bounds);
    tokens.set("x".repeat(12), 1);
    tokens.set("y".repeat(12), 2);
    tokens.set("z".repeat(10), 3);
    expect(tokens.size).toBe(2);
    expect(tokens.get("x".repeat(12))).toBeUndefined();
    expect(tokens.get("y".repeat(12))).toBe(2);
  });

  it("never keeps a token longer than the per-token bound", () => {
    const tokens = new VerifiedTokens<number>(bounds);
    tokens.set("t".repeat(13), 1);
    expect(tokens.size).toBe(0);
    expect(tokens.get("t".repeat(13))).toBeUndefined();
  });

  it("counts a replaced or deleted token's length once", () => {
    const tokens = new VerifiedTokens<number>(bounds);
    for (let round = 0; round < 5; round++) tokens.set("r".repeat(12), round);
    tokens.set("s".repeat(12), 9);
    expect(tokens.size).toBe(2);
    tokens.delete("s".repeat(12));
    tokens.set("u".repeat(12), 7);
    expect(tokens.get("r".repeat(12))).toBe(4);
    expect(tokens.size).toBe(2);
  });

  it("weighs an entry holding several verifications by their number", () => {
    const tokens = new VerifiedTokens<number[]>(bounds);
    tokens.set("m".repeat(10), [1, 2, 3], 3);
    tokens.set("n".repeat(5), [4]);
    expect(tokens.get("m".repeat(10))).toBeUndefined();
    expect(tokens.get("n".repeat(5))).toEqual([4]);
  });
});
