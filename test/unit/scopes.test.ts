import { describe, expect, it } from "vitest";
import { policiesForScopes, scopesOf } from "../../src/auth/scopes";

describe("scope claims", () => {
  it("splits a string on spaces and takes array elements whole", () => {
    expect(scopesOf({ scope: "a b" }, "scope")).toEqual(["a", "b"]);
    expect(scopesOf({ scope: ["a b", ["c"], 5] }, "scope")).toEqual(["a b", "c"]);
    expect(scopesOf({ scope: 5 }, "scope")).toEqual([]);
    expect(scopesOf({}, "scope")).toEqual([]);
  });

  it("follows a dotted path, preferring a literal claim of that name", () => {
    expect(scopesOf({ realm: { roles: ["x"] } }, "realm.roles")).toEqual(["x"]);
    expect(scopesOf({ "realm.roles": "y", realm: { roles: ["x"] } }, "realm.roles")).toEqual(["y"]);
    expect(scopesOf({ realm: "roles" }, "realm.roles")).toEqual([]);
    expect(scopesOf({}, "constructor")).toEqual([]);
  });

  it("maps scopes to policies once each, in the order of the scopes", () => {
    const mapping = new Map([
      ["b", "p2"],
      ["a", "p1"],
      ["c", "p1"],
    ]);
    expect(policiesForScopes(mapping, ["a", "x", "b", "c"])).toEqual(["p1", "p2"]);
    expect(policiesForScopes(mapping, ["x"])).toEqual([]);
  });
});
