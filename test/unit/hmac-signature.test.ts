import { describe, expect, it } from "vitest";
import { parseSignatureHeader, signingString } from "../../src/auth/hmac-signature";
import { parseHttpDate } from "../../src/auth/http-date";

describe("HMAC signature header", () => {
  it("parses quoted and bare fields, with the Signature prefix in either case", () => {
    expect(parseSignatureHeader('Signature keyId="k1",algorithm="hmac-sha256",headers="(request-target) date",signature="abc%3D"')).toEqual({
      keyId: "k1",
      algorithm: "hmac-sha256",
      headers: ["(request-target)", "date"],
      signature: "abc%3D",
    });
    expect(parseSignatureHeader("signature keyId=k2, algorithm=hmac-sha1, signature=xyz")).toMatchObject({ keyId: "k2", headers: ["date"] });
  });

  it("refuses unknown fields and garbage", () => {
    expect(parseSignatureHeader('Signature keyId="k",extra="x",signature="s"')).toBeNull();
    expect(parseSignatureHeader('Signature keyId="unterminated')).toBeNull();
  });

  it("builds the signing string like Tyk, X-Aux-Date taking the place of date", () => {
    const request = new Request("http://gw/api/a%20b?q=1", { method: "POST", headers: { date: "D", "x-aux-date": "AUX", "x-custom": "  v  " } });
    expect(signingString(request, new URL(request.url), ["(request-target)", "date", "X-Custom"])).toBe(
      "(request-target): post /api/a b\nx-aux-date: AUX\nx-custom: v",
    );
  });
});

describe("HTTP dates", () => {
  it("reads RFC 1123 with GMT or a numeric offset", () => {
    expect(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT")).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
    expect(parseHttpDate("Sun, 06 Nov 1994 09:49:37 +01")).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
    expect(parseHttpDate("Sun, 06 Nov 1994 03:19:37 -0530")).toBe(Date.UTC(1994, 10, 6, 8, 49, 37));
  });

  it("refuses anything else", () => {
    expect(parseHttpDate("1994-11-06T08:49:37Z")).toBeNull();
    expect(parseHttpDate("Sun, 06 Foo 1994 08:49:37 GMT")).toBeNull();
  });
});
