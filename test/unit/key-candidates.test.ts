import { describe, expect, it } from "vitest";
import { generateToken, hashAlgorithmFor, keyCandidates } from "../../src/session/keys";

describe("key lookup candidates", () => {
  it("hashes a token with the function it names, murmur64 for an unknown name (as Tyk)", () => {
    expect(hashAlgorithmFor(generateToken("o", "i", "murmur128"), "sha256")).toBe("murmur128");
    expect(hashAlgorithmFor(btoa('{"org":"o","id":"i","h":"md5"}'), "sha256")).toBe("murmur64");
    expect(hashAlgorithmFor("plain-key", "murmur64")).toBe("murmur64");
  });

  it("tries a token only as itself", () => {
    const token = generateToken("default", "abc", "murmur128");
    expect(keyCandidates(token, "default", "sha256", ["murmur32"])).toEqual([{ key: token, algorithm: "murmur128" }]);
  });

  it("tries a plain name as itself, then as the org's token, under the current function and each fallback", () => {
    expect(keyCandidates("name", "default", "sha256", ["murmur32", "sha256"])).toEqual([
      { key: "name", algorithm: "sha256" },
      { key: "name", algorithm: "murmur32" },
      { key: generateToken("default", "name", "sha256"), algorithm: "sha256" },
      { key: generateToken("default", "name", "murmur32"), algorithm: "murmur32" },
    ]);
  });
});
