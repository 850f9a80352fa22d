/*
 * IP addresses and CIDR ranges, read the way Go's net package reads them
 * (Tyk's IP lists use net.ParseIP and net.ParseCIDR):
 * - IPv4 is dotted decimal, four parts of 0-255 without leading zeros;
 * - IPv6 has eight groups of 1-4 hex digits, one "::" standing for at least one
 *   zero group, and may end in dotted IPv4; zones ("%eth0") are refused;
 * - an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is that IPv4 address, and a
 *   mapped range of prefix 96 or more is the IPv4 range it covers;
 * - other IPv6 ranges never contain IPv4 addresses (Go compares a mapped
 *   address as IPv4, so ::/0 does not contain 1.2.3.4);
 * - a range's host bits are ignored (10.1.2.3/8 is 10.0.0.0/8).
 * Parsing is by hand, not by regex: the client's address is parsed on every
 * request, and a list is compiled once into numbers compared with masks.
 */

/** An address as 32-bit words: one for IPv4, four for IPv6. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly words: readonly number[];
}

/** A range: the network's words, already masked, and the mask. */
export interface IpRange {
  readonly family: 4 | 6;
  readonly network: readonly number[];
  readonly mask: readonly number[];
}

export type IpRangeResult = { ok: true; range: IpRange } | { ok: false; reason: string };

const DOT = 46;
const COLON = 58;

function digitValue(code: number): number {
  return code >= 48 && code <= 57 ? code - 48 : -1;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/** Dotted-decimal IPv4 as one unsigned 32-bit number, or null. */
function parseIpv4(text: string, start: number, end: number): number | null {
  let value = 0;
  let parts = 0;
  let index = start;
  while (parts < 4) {
    let part = 0;
    let digits = 0;
    while (index < end && digits < 4) {
      const digit = digitValue(text.charCodeAt(index));
      if (digit < 0) break;
      // "010" is refused: Go stopped reading it as octal and now refuses it outright.
      if (digits === 1 && part === 0) return null;
      part = part * 10 + digit;
      digits++;
      index++;
    }
    if (digits === 0 || digits > 3 || part > 255) return null;
    value = value * 256 + part;
    parts++;
    if (parts < 4) {
      if (index >= end || text.charCodeAt(index) !== DOT) return null;
      index++;
    }
  }
  return index === end ? value : null;
}

/** The 16-bit groups of a run of colon-separated fields ("" is no groups); the last may be dotted IPv4 when allowed. */
function parseGroups(text: string, start: number, end: number, allowIpv4Tail: boolean): number[] | null {
  const groups: number[] = [];
  if (start === end) return groups;
  let index = start;
  for (;;) {
    let fieldEnd = index;
    while (fieldEnd < end && text.charCodeAt(fieldEnd) !== COLON) fieldEnd++;
    const dot = text.indexOf(".", index);
    if (allowIpv4Tail && fieldEnd === end && dot !== -1 && dot < end) {
      const ipv4 = parseIpv4(text, index, end);
      if (ipv4 === null) return null;
      groups.push(Math.floor(ipv4 / 0x10000), ipv4 % 0x10000);
      return groups;
    }
    const length = fieldEnd - index;
    if (length < 1 || length > 4) return null;
    let group = 0;
    for (let position = index; position < fieldEnd; position++) {
      const hex = hexValue(text.charCodeAt(position));
      if (hex < 0) return null;
      group = group * 16 + hex;
    }
    groups.push(group);
    if (fieldEnd === end) return groups;
    index = fieldEnd + 1;
    if (groups.length > 8) return null;
  }
}

/** IPv6 text as eight 16-bit groups, or null. */
function parseIpv6(text: string): number[] | null {
  const ellipsis = text.indexOf("::");
  if (ellipsis === -1) {
    const groups = parseGroups(text, 0, text.length, true);
    return groups?.length === 8 ? groups : null;
  }
  if (text.indexOf("::", ellipsis + 1) !== -1) return null;
  const head = parseGroups(text, 0, ellipsis, false);
  const tail = parseGroups(text, ellipsis + 2, text.length, true);
  // "::" must stand for at least one zero group.
  if (!head || !tail || head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

function isIpv4Mapped(groups: readonly number[]): boolean {
  return groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff;
}

function wordsOf(groups: readonly number[]): number[] {
  return [0, 2, 4, 6].map((index) => (groups[index] ?? 0) * 0x10000 + (groups[index + 1] ?? 0));
}

/** The words of an address in text, or null when the text is not one. */
function parseLiteral(text: string): { address: IpAddress; literalFamily: 4 | 6 } | null {
  if (text.indexOf(":") === -1) {
    const ipv4 = parseIpv4(text, 0, text.length);
    return ipv4 === null ? null : { address: { family: 4, words: [ipv4] }, literalFamily: 4 };
  }
  const groups = parseIpv6(text);
  if (!groups) return null;
  const words = wordsOf(groups);
  const address: IpAddress = isIpv4Mapped(groups) ? { family: 4, words: [words[3] ?? 0] } : { family: 6, words };
  return { address, literalFamily: 6 };
}

/** A client address (IPv4-mapped IPv6 reads as IPv4), or null when the text is not an address. */
export function parseIp(text: string): IpAddress | null {
  return parseLiteral(text)?.address ?? null;
}

/** The mask words for a prefix length over `wordCount` 32-bit words. */
function maskWords(prefix: number, wordCount: number): number[] {
  return Array.from({ length: wordCount }, (_, index) => {
    const bits = Math.min(32, Math.max(0, prefix - index * 32));
    return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  });
}

function rangeOf(family: 4 | 6, words: readonly number[], prefix: number): IpRange {
  const mask = maskWords(prefix, words.length);
  return { family, network: words.map((word, index) => (word & (mask[index] ?? 0)) >>> 0), mask };
}

/** Decimal digits only; Go accepts leading zeros here ("/08"), unlike in IPv4 parts. */
function parsePrefix(text: string): number | null {
  if (text.length === 0) return null;
  let value = 0;
  for (let index = 0; index < text.length; index++) {
    const digit = digitValue(text.charCodeAt(index));
    if (digit < 0) return null;
    value = Math.min(value * 10 + digit, 1000);
  }
  return value;
}

/** An address ("10.1.2.3", "2001:db8::1") or a CIDR range ("10.0.0.0/8", "2001:db8::/32"), as a range. */
export function parseIpRange(text: string): IpRangeResult {
  const slash = text.indexOf("/");
  const literal = parseLiteral(slash === -1 ? text : text.slice(0, slash));
  if (!literal) return { ok: false, reason: `"${text}" is not an IP address or CIDR range` };
  const { address, literalFamily } = literal;
  if (slash === -1) return { ok: true, range: rangeOf(address.family, address.words, address.family === 4 ? 32 : 128) };

  const bits = literalFamily === 4 ? 32 : 128;
  const prefix = parsePrefix(text.slice(slash + 1));
  if (prefix === null || prefix > bits) return { ok: false, reason: `"${text}" has a prefix length that is not 0-${bits}` };
  if (literalFamily === 4) return { ok: true, range: rangeOf(4, address.words, prefix) };
  // A mapped range keeps its IPv4 meaning only while the prefix covers the whole ::ffff:0:0/96 marker.
  if (address.family === 4 && prefix >= 96) return { ok: true, range: rangeOf(4, address.words, prefix - 96) };
  const words = address.family === 4 ? [0, 0, 0xffff, address.words[0] ?? 0] : address.words;
  return { ok: true, range: rangeOf(6, words, prefix) };
}

export function rangeContains(range: IpRange, address: IpAddress): boolean {
  if (range.family !== address.family) return false;
  for (let index = 0; index < range.network.length; index++) {
    if (((address.words[index] ?? 0) & (range.mask[index] ?? 0)) >>> 0 !== range.network[index]) return false;
  }
  return true;
}

/** A list of addresses and ranges, parsed once; `matches` is a few integer comparisons per entry. */
export class IpMatcher {
  private readonly byFamily: Record<4 | 6, IpRange[]> = { 4: [], 6: [] };

  constructor(ranges: readonly IpRange[]) {
    for (const range of ranges) this.byFamily[range.family].push(range);
  }

  matches(address: IpAddress): boolean {
    return this.byFamily[address.family].some((range) => rangeContains(range, address));
  }
}
