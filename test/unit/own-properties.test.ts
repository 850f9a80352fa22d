import { describe, expect, it } from "vitest";
import { claimString, identityOf, ownClaim } from "../../src/auth/jwt-claims";
import { accessTo } from "../../src/session/access";
import { applyPolicies } from "../../src/session/policies";
import { policySchema, sessionSchema } from "../../src/session/schema";

/* Stored documents are parsed from JSON, where `__proto__` is a key like any other. */
const rights = (...apiIds: string[]) => `{${apiIds.map((id) => `"${id}":{"api_id":"${id}","versions":["Default"]}`).join(",")}}`;

describe("ids named like inherited properties", () => {
  it("keeps a `__proto__` access right as an own entry, leaving the prototype alone", () => {
    const session = sessionSchema.parse(JSON.parse(`{"access_rights":${rights("__proto__", "constructor")}}`));
    expect(Object.keys(session.access_rights)).toEqual(["__proto__", "constructor"]);
    expect(Object.getPrototypeOf(session.access_rights)).toBe(Object.prototype);
    expect(accessTo(session, "__proto__")?.api_id).toBe("__proto__");
    expect(accessTo(session, "toString")).toBeUndefined();
  });

  it("names the field of a malformed access rights document", () => {
    const result = sessionSchema.safeParse({ access_rights: [1] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["access_rights"]);
  });

  it("merges a policy's `__proto__` rights into own entries", () => {
    const policy = policySchema.parse(JSON.parse(`{"id":"p","access_rights":${rights("__proto__", "valueOf")}}`));
    const merged = applyPolicies(sessionSchema.parse({ apply_policies: ["p"] }), new Map([["p", policy]]), "");
    if (!merged.ok) throw new Error(merged.error);
    expect(Object.keys(merged.session.access_rights)).toEqual(["__proto__", "valueOf"]);
    expect(Object.getPrototypeOf(merged.session.access_rights)).toBe(Object.prototype);
  });

  it("reads only claims the token carries", () => {
    const claims = JSON.parse('{"sub":"alice","profile":{"name":"a"}}') as Record<string, unknown>;
    expect(ownClaim(claims, "constructor")).toBeUndefined();
    expect(ownClaim(claims, "sub")).toBe("alice");
    expect(claimString(claims, "profile.toString")).toBeUndefined();
    expect(identityOf(claims, "hasOwnProperty")).toBe("alice");
  });
});
