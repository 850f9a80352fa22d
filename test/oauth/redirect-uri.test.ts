import { describe, expect, it } from "vitest";
import { challengeOf, isPkceText } from "../../src/oauth/pkce";
import { firstUri, validRedirect, withParams } from "../../src/oauth/redirect-uri";

describe("redirect URIs as osin checks them", () => {
  it("accepts the registered URI and paths below it, on the same scheme and host only", () => {
    expect(validRedirect("https://app.test/cb", "https://app.test/cb", "")).toBe("https://app.test/cb");
    expect(validRedirect("https://app.test/cb", "https://app.test/cb/deeper?x=1", "")).toBe("https://app.test/cb/deeper?x=1");
    expect(validRedirect("https://app.test/cb", "https://app.test/cbx", "")).toBeNull();
    expect(validRedirect("https://app.test/cb", "http://app.test/cb", "")).toBeNull();
    expect(validRedirect("https://app.test/cb", "https://evil.test/cb", "")).toBeNull();
    expect(validRedirect("https://app.test/cb", "https://app.test/cb#frag", "")).toBeNull();
    expect(validRedirect("https://app.test/cb", "", "")).toBeNull();
  });

  it("checks each URI of a list joined by the separator", () => {
    const registered = "https://a.test/cb;https://b.test/cb";
    expect(validRedirect(registered, "https://b.test/cb", ";")).toBe("https://b.test/cb");
    expect(validRedirect(registered, "https://b.test/cb", "")).toBeNull();
    expect(firstUri(registered, ";")).toBe("https://a.test/cb");
  });

  it("adds parameters sorted as Go encodes them, in the query or the fragment", () => {
    expect(withParams("https://app.test/cb?a=1", { state: "s", code: "c" }, false)).toBe("https://app.test/cb?a=1&code=c&state=s");
    expect(withParams("https://app.test/cb", { token_type: "Bearer", access_token: "t" }, true)).toBe("https://app.test/cb#access_token=t&token_type=Bearer");
  });
});

describe("PKCE", () => {
  it("derives S256 challenges as RFC 7636's example does", async () => {
    expect(await challengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "S256")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    expect(await challengeOf("plain-verifier", "plain")).toBe("plain-verifier");
  });

  it("accepts 43 to 128 unreserved characters only", () => {
    expect(isPkceText("a".repeat(43))).toBe(true);
    expect(isPkceText("a".repeat(42))).toBe(false);
    expect(isPkceText(`${"a".repeat(43)}+`)).toBe(false);
  });
});
