import { describe, expect, it } from "vitest";
import { hasLoneSurrogate, parseJsonWithin, unstorableValue } from "../../src/lib/bounded-json";
import { duplicateKeys, nestsDeeperThan } from "../../src/lib/json-text";

describe("nestsDeeperThan", () => {
  it("counts arrays and objects, not brackets inside strings", () => {
    expect(nestsDeeperThan('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(nestsDeeperThan('{"a":[{"b":[]}]}', 3)).toBe(true);
    expect(nestsDeeperThan('{"a":"[[[[[[[[{{{{{"}', 1)).toBe(false);
    expect(nestsDeeperThan('{"a\\"[[[":"\\\\","b":[[]]}', 2)).toBe(true);
    expect(nestsDeeperThan("[[],[],[[]]]", 3)).toBe(false);
  });

  it("stops at the first level too deep, so 5,000,000 levels cost no more than 65", () => {
    const hostile = "[".repeat(5_000_000) + "]".repeat(5_000_000);
    const started = performance.now();
    expect(nestsDeeperThan(hostile, 64)).toBe(true);
    expect(performance.now() - started).toBeLessThan(50);
  });
});

describe("duplicateKeys", () => {
  it("finds a repeated key with the path of the object holding it", () => {
    const text = '{"gold":{"rate":1,"access_rights":{"a":{},"a":{}}},"silver":{},"gold":{"rate":2}}';
    expect(duplicateKeys(text)).toEqual([
      { path: ["gold", "access_rights"], key: "a" },
      { path: [], key: "gold" },
    ]);
  });

  it("compares decoded keys, tracks array indexes, and ignores the same key in different objects", () => {
    expect(duplicateKeys('{"a":1,"\\u0061":2}')).toEqual([{ path: [], key: "a" }]);
    expect(duplicateKeys('[{"k":1},{"k":2},{"x":[1,{"y":1,"y":2}]}]')).toEqual([{ path: ["2", "x", "1"], key: "y" }]);
    expect(duplicateKeys('{"a":{"b":1},"c":{"b":1},"d":["b","b"]}')).toEqual([]);
  });
});

describe("parseJsonWithin", () => {
  it("parses what is within the depth, refuses what is deeper before parsing", () => {
    expect(parseJsonWithin('{"a":[1]}', 2)).toEqual({ ok: true, value: { a: [1] } });
    expect(parseJsonWithin('{"a":[[1]]}', 2)).toEqual({ ok: false, problem: { kind: "too-deep" } });
    expect(parseJsonWithin("{nope", 2)).toEqual({ ok: false, problem: { kind: "syntax" } });
  });

  it("names a value that cannot be stored as sent: lone surrogates and numbers past a double", () => {
    expect(parseJsonWithin('{"org_id":"\\ud800"}', 4)).toMatchObject({ ok: false, problem: { kind: "value", path: "org_id" } });
    expect(parseJsonWithin('{"a":[0,{"rate":1e400}]}', 4)).toEqual({
      ok: false,
      problem: { kind: "value", path: "a.1.rate", message: "number out of range" },
    });
    expect(parseJsonWithin('{"access_rights":{"\\udc00x":{}}}', 4)).toMatchObject({ ok: false, problem: { kind: "value", path: "access_rights" } });
  });

  it("accepts emoji, other scripts and bidirectional text, which have a UTF-8 form", () => {
    const value = { org_id: "🚀", name: "ключ", note: "\u202eabc" };
    expect(parseJsonWithin(JSON.stringify(value), 4)).toEqual({ ok: true, value });
    expect(unstorableValue(value)).toBeNull();
  });
});

describe("hasLoneSurrogate", () => {
  it("tells pairs from halves", () => {
    expect(hasLoneSurrogate("😀")).toBe(false);
    expect(hasLoneSurrogate("\ud83d")).toBe(true);
    expect(hasLoneSurrogate("a\ude00")).toBe(true);
    expect(hasLoneSurrogate("\ude00\ud83d")).toBe(true);
  });
});
