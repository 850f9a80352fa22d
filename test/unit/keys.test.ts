import { describe, expect, it } from "vitest";
import { decodeToken, generateKeyId, generateToken, hashAlgorithmFor, hashKey } from "../../src/session/keys";

describe("Tyk key formats", () => {
  it("encodes org, id and hash function as base64 JSON, as Tyk does", () => {
    const token = generateToken("org1", "abc", "sha256");
    expect(token.startsWith("ey")).toBe(true);
    expect(atob(token)).toBe('{"org":"org1","id":"abc","h":"sha256"}');
    expect(decodeToken(token)).toEqual({ org: "org1", id: "abc", h: "sha256" });
  });

  it("leaves legacy keys undecoded", () => {
    expect(decodeToken("default5b2f0e4c")).toBeNull();
    expect(decodeToken("eyJub3QganNvbg")).toBeNull();
  });

  it("generates 32-hex-digit ids", () => {
    expect(generateKeyId()).toMatch(/^[0-9a-f]{32}$/);
  });

  it("hashes with SHA-256 (FIPS 180-2 test vector) as lower-case hex", async () => {
    expect(await hashKey("abc", "sha256")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("uses the algorithm a key names, else the default", () => {
    expect(hashAlgorithmFor(generateToken("o", "i", "sha256"), "sha256")).toBe("sha256");
    expect(hashAlgorithmFor("legacy-key", "sha256")).toBe("sha256");
  });
});

describe("tokens with text beyond Latin-1", () => {
  it("encode the JSON as UTF-8, as Tyk's Go does, and decode back", () => {
    const token = generateToken("org-ключ", "id-😀", "sha256");
    expect(decodeToken(token)).toEqual({ org: "org-ключ", id: "id-😀", h: "sha256" });
    expect(generateToken("é", "x", "sha256")).toBe(btoa(String.fromCharCode(...new TextEncoder().encode('{"org":"é","id":"x","h":"sha256"}'))));
  });
});
