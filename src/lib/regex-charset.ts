/*
 * Sets of characters for the regex safety check (regex-safety.ts): sorted,
 * disjoint, inclusive ranges of code units (code points in `u` mode). The
 * check only ever needs to know whether two sets can share a character, so
 * where JavaScript's rules are intricate (case folding) a set may be made
 * larger than the real one: that can only make the check refuse more.
 */

export type CharSet = readonly (readonly [number, number])[];

export const emptySet: CharSet = [];

export function charRange(low: number, high: number): CharSet {
  return low <= high ? [[low, high]] : emptySet;
}

export function single(code: number): CharSet {
  return [[code, code]];
}

export function union(...sets: CharSet[]): CharSet {
  const ranges = sets.flat().toSorted((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [low, high] of ranges) {
    const last = merged.at(-1);
    if (last && low <= last[1] + 1) last[1] = Math.max(last[1], high);
    else merged.push([low, high]);
  }
  return merged;
}

/** Everything up to `max` that `set` does not hold. */
export function complement(set: CharSet, max: number): CharSet {
  const result: [number, number][] = [];
  let next = 0;
  for (const [low, high] of set) {
    if (low > next) result.push([next, low - 1]);
    next = high + 1;
  }
  if (next <= max) result.push([next, max]);
  return result;
}

export function contains(set: CharSet, code: number): boolean {
  let low = 0;
  let high = set.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const [start, end] = set[middle]!;
    if (code < start) high = middle - 1;
    else if (code > end) low = middle + 1;
    else return true;
  }
  return false;
}

export function coversAll(set: CharSet, max: number): boolean {
  return set.length === 1 && set[0]![0] === 0 && set[0]![1] >= max;
}

function overlaps(set: CharSet, low: number, high: number): boolean {
  return set.some(([start, end]) => start <= high && end >= low);
}

const code = (char: string) => char.charCodeAt(0);

export const digits = charRange(code("0"), code("9"));
export const wordChars = union(digits, charRange(code("A"), code("Z")), single(code("_")), charRange(code("a"), code("z")));
/** JavaScript's `\s`: WhiteSpace and LineTerminator. */
export const spaces = union(
  charRange(0x09, 0x0d),
  single(0x20),
  single(0xa0),
  single(0x1680),
  charRange(0x2000, 0x200a),
  charRange(0x2028, 0x2029),
  single(0x202f),
  single(0x205f),
  single(0x3000),
  single(0xfeff),
);
export const lineTerminators = union(single(0x0a), single(0x0d), charRange(0x2028, 0x2029));

/**
 * What `set` may match under the `i` flag, made larger where exactness would
 * need Unicode's tables: both cases of every ASCII letter, and every non-ASCII
 * character when the set has one (or, in `u` mode, has k or s, which fold with
 * the Kelvin sign and the long s).
 */
export function caseInsensitive(set: CharSet, max: number, unicode: boolean): CharSet {
  const parts: CharSet[] = [set];
  for (const [low, high] of set) {
    parts.push(charRange(Math.max(low, code("A")) + 32, Math.min(high, code("Z")) + 32));
    parts.push(charRange(Math.max(low, code("a")) - 32, Math.min(high, code("z")) - 32));
  }
  const foldsOutsideAscii = overlaps(set, 0x80, max) || (unicode && ["k", "K", "s", "S"].some((char) => contains(set, code(char))));
  if (foldsOutsideAscii) parts.push(charRange(0x80, max));
  return union(...parts);
}

/**
 * Splits everything up to `max` into the pieces no set tells apart, and says
 * for each piece which of `sets` hold it: the alphabet the check walks over.
 */
export function alphabetPieces(sets: readonly CharSet[], max: number): number[][] {
  const cuts = new Set<number>([0]);
  for (const set of sets) {
    for (const [low, high] of set) {
      cuts.add(low);
      if (high < max) cuts.add(high + 1);
    }
  }
  const seen = new Map<string, number[]>();
  for (const start of cuts) {
    const members = sets.flatMap((set, index) => (contains(set, start) ? [index] : []));
    if (members.length > 0) seen.set(members.join(","), members);
  }
  return [...seen.values()];
}
