import { describe, expect, it } from "vitest";
import { claimString, identityOf, oauthClientIdOf, timeClaimsError } from "../../src/auth/jwt-claims";

const noSkew = { expiresAt: 0, issuedAt: 0, notBefore: 0 };

describe("JWT claims", () => {
  it("reads literal dotted names first, then nested paths", () => {
    expect(claimString({ "user.id": "literal", user: { id: "nested" } }, "user.id")).toBe("literal");
    expect(claimString({ user: { id: "nested" } }, "user.id")).toBe("nested");
    expect(claimString({ user: { id: 7 } }, "user.id")).toBeUndefined();
  });

  it("finds the identity in the base field, else sub, with Tyk's errors", () => {
    expect(identityOf({ email: "a@b", sub: "s" }, "email")).toBe("a@b");
    expect(identityOf({ sub: "s" }, "email")).toBe("s");
    expect(() => identityOf({ email: "" }, "email")).toThrow("found an empty user ID in predefined base claim, claim: email");
    expect(() => identityOf({ sub: "" }, "")).toThrow("found an empty user ID in sub claim");
    expect(() => identityOf({}, "")).toThrow("no suitable claims for user ID were found");
  });

  it("checks exp strictly and iat / nbf inclusively, each with its skew", () => {
    expect(timeClaimsError({ exp: 100 }, noSkew, 99.9)).toBeNull();
    expect(timeClaimsError({ exp: 100 }, noSkew, 100)).toBe("token has expired");
    expect(timeClaimsError({ exp: 100 }, { ...noSkew, expiresAt: 5 }, 104)).toBeNull();
    expect(timeClaimsError({ nbf: 100 }, noSkew, 100)).toBeNull();
    expect(timeClaimsError({ nbf: 100 }, noSkew, 99)).toBe("token is not valid yet");
    expect(timeClaimsError({ nbf: 100 }, { ...noSkew, notBefore: 1 }, 99)).toBeNull();
    expect(timeClaimsError({ iat: 100 }, noSkew, 99)).toBe("token used before issued");
    expect(timeClaimsError({ iat: 100 }, { ...noSkew, issuedAt: 2 }, 99)).toBeNull();
  });

  it("ignores absent or zero claims, fails claims that are not numbers, and reports the last failure", () => {
    expect(timeClaimsError({ exp: 0, nbf: 0 }, noSkew, 50)).toBeNull();
    expect(timeClaimsError({ exp: "soon" }, noSkew, 50)).toBe("token has expired");
    expect(timeClaimsError({ exp: 10, nbf: 90 }, noSkew, 50)).toBe("token is not valid yet");
  });

  it("finds the OAuth client id under Keycloak, Okta or Gluu names", () => {
    expect(oauthClientIdOf({ cid: "okta-client" })).toBe("okta-client");
    expect(oauthClientIdOf({})).toBe("");
  });
});
