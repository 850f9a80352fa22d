import { describe, expect, it } from "vitest";
import { hashKey } from "../../src/session/keys";
import { murmur128Hex, murmur32Hex, murmur3x64_128, murmur3x86_32, murmur64Hex } from "../../src/session/murmur";

const bytes = (text: string) => new TextEncoder().encode(text);
const fox = "The quick brown fox jumps over the lazy dog";

describe("MurmurHash3", () => {
  it("matches the published x86_32 vectors (seed 0)", () => {
    expect(murmur3x86_32(bytes(""))).toBe(0);
    expect(murmur3x86_32(bytes("hello"))).toBe(0x248bfa47);
    expect(murmur3x86_32(bytes(fox))).toBe(0x2e4ff723);
  });

  it("matches the published x64_128 vectors (seed 0)", () => {
    expect(murmur3x64_128(bytes(""))).toEqual([0n, 0n]);
    expect(murmur3x64_128(bytes(fox))).toEqual([0xe34bbc7bbc071b6cn, 0x7a433ca9c49a9347n]);
  });

  it("covers every tail length against the reference implementation", () => {
    // Digests from the smhasher C reference for "a", 16 bytes (one block, no tail) and 17 bytes (block + 1).
    expect(murmur128Hex("a")).toBe("85555565f6597889e6b53a48510e895a");
    expect(murmur128Hex("0123456789abcdef")).toBe("4be06d94cf4ad1a787c35b5c63a708da");
    expect(murmur128Hex("abcdefghijklmnopq")).toBe("7564747f88bda657ecda499da1110de4");
    expect(murmur32Hex("abcdefghijklmnopq")).toBe("b6655e4a");
    expect(murmur128Hex("ünïcode")).toBe("dd59d9d958dac98049b34eda0681f3b1");
  });

  it("encodes like Tyk: murmur64 is the first half of murmur128, words big-endian, zero-padded", () => {
    expect(murmur64Hex(fox)).toBe("e34bbc7bbc071b6c");
    expect(murmur128Hex(fox)).toBe("e34bbc7bbc071b6c7a433ca9c49a9347");
    expect(murmur32Hex("")).toBe("00000000");
    expect(hashKey(fox, "murmur128")).toBe("e34bbc7bbc071b6c7a433ca9c49a9347");
  });
});
