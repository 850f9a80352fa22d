/*
 * MurmurHash3 (Austin Appleby), seed 0, as Tyk hashes keys with it:
 * x86_32 for `murmur32`, x64_128 for `murmur128` and its first 64-bit half
 * for `murmur64`. Tyk's digests write each word big-endian before hex-encoding
 * (github.com/TykTechnologies/murmur3 `Sum`), so the hex here is h1 then h2,
 * most significant byte first. Input is the UTF-8 bytes of the string.
 */

const encoder = new TextEncoder();

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const rotl32 = (x: number, r: number) => (x << r) | (x >>> (32 - r));

/** MurmurHash3_x86_32 of the bytes, as an unsigned 32-bit number. */
export function murmur3x86_32(bytes: Uint8Array): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  const blocks = bytes.length >>> 2;
  let h1 = 0;
  for (let block = 0; block < blocks; block++) {
    const i = block * 4;
    let k1 = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k1 = Math.imul(rotl32(Math.imul(k1, c1), 15), c2);
    h1 ^= k1;
    h1 = (Math.imul(rotl32(h1, 13), 5) + 0xe6546b64) | 0;
  }
  const tail = blocks * 4;
  let k1 = 0;
  switch (bytes.length & 3) {
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: MurmurHash3 folds the tail bytes in by falling through
    case 3:
      k1 ^= bytes[tail + 2]! << 16;
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: as above
    case 2:
      k1 ^= bytes[tail + 1]! << 8;
    case 1:
      k1 ^= bytes[tail]!;
      k1 = Math.imul(rotl32(Math.imul(k1, c1), 15), c2);
      h1 ^= k1;
  }
  h1 ^= bytes.length;
  return fmix32(h1);
}

const mask64 = (1n << 64n) - 1n;
const c1_64 = 0x87c37b91114253d5n;
const c2_64 = 0x4cf5ad432745937fn;

const mul64 = (a: bigint, b: bigint) => (a * b) & mask64;
const rotl64 = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & mask64;

function fmix64(k: bigint): bigint {
  k ^= k >> 33n;
  k = mul64(k, 0xff51afd7ed558ccdn);
  k ^= k >> 33n;
  k = mul64(k, 0xc4ceb9fe1a85ec53n);
  k ^= k >> 33n;
  return k;
}

/** Little-endian 64-bit word of `length` bytes (≤ 8) starting at `offset`. */
function readWord(bytes: Uint8Array, offset: number, length: number): bigint {
  let word = 0n;
  for (let index = length - 1; index >= 0; index--) word = (word << 8n) | BigInt(bytes[offset + index]!);
  return word;
}

/** MurmurHash3_x64_128 of the bytes, as its two 64-bit halves [h1, h2]. */
export function murmur3x64_128(bytes: Uint8Array): [bigint, bigint] {
  const blocks = bytes.length >>> 4;
  let h1 = 0n;
  let h2 = 0n;
  for (let block = 0; block < blocks; block++) {
    const k1 = mul64(rotl64(mul64(readWord(bytes, block * 16, 8), c1_64), 31n), c2_64);
    h1 = rotl64(h1 ^ k1, 27n);
    h1 = (mul64(h1 + h2, 5n) + 0x52dce729n) & mask64;
    const k2 = mul64(rotl64(mul64(readWord(bytes, block * 16 + 8, 8), c2_64), 33n), c1_64);
    h2 = rotl64(h2 ^ k2, 31n);
    h2 = (mul64(h2 + h1, 5n) + 0x38495ab5n) & mask64;
  }
  const tail = blocks * 16;
  const tailLength = bytes.length & 15;
  if (tailLength > 8) h2 ^= mul64(rotl64(mul64(readWord(bytes, tail + 8, tailLength - 8), c2_64), 33n), c1_64);
  if (tailLength > 0) h1 ^= mul64(rotl64(mul64(readWord(bytes, tail, Math.min(tailLength, 8)), c1_64), 31n), c2_64);

  const length = BigInt(bytes.length);
  h1 ^= length;
  h2 ^= length;
  h1 = (h1 + h2) & mask64;
  h2 = (h2 + h1) & mask64;
  h1 = fmix64(h1);
  h2 = fmix64(h2);
  h1 = (h1 + h2) & mask64;
  h2 = (h2 + h1) & mask64;
  return [h1, h2];
}

const hex32 = (value: number) => value.toString(16).padStart(8, "0");
const hex64 = (value: bigint) => value.toString(16).padStart(16, "0");

/** Tyk's `murmur32` key hash: hex of the 32-bit sum. */
export function murmur32Hex(text: string): string {
  return hex32(murmur3x86_32(encoder.encode(text)));
}

/** Tyk's `murmur64` key hash: hex of h1 of x64_128 (murmur3 `New64`). */
export function murmur64Hex(text: string): string {
  return hex64(murmur3x64_128(encoder.encode(text))[0]);
}

/** Tyk's `murmur128` key hash: hex of h1 then h2. */
export function murmur128Hex(text: string): string {
  const [h1, h2] = murmur3x64_128(encoder.encode(text));
  return hex64(h1) + hex64(h2);
}
