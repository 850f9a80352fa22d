import { describe, expect, it } from "vitest";
import { IpMatcher, type IpRange, parseIp, parseIpRange, rangeContains } from "../../src/lib/ip-range";

function range(text: string): IpRange {
  const parsed = parseIpRange(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.range;
}

function address(text: string) {
  const parsed = parseIp(text);
  if (!parsed) throw new Error(`not an address: ${text}`);
  return parsed;
}

const contains = (rangeText: string, addressText: string) => rangeContains(range(rangeText), address(addressText));

describe("parseIp: IPv4", () => {
  it("reads dotted decimal as one 32-bit word", () => {
    expect(parseIp("192.0.2.1")).toEqual({ family: 4, words: [0xc0000201] });
    expect(parseIp("0.0.0.0")).toEqual({ family: 4, words: [0] });
    expect(parseIp("255.255.255.255")).toEqual({ family: 4, words: [0xffffffff] });
  });

  it.each([
    "",
    "1.2.3",
    "1.2.3.4.5",
    "256.1.1.1",
    "1.2.3.1000",
    "01.2.3.4",
    "1.2.3.04",
    "1..2.3",
    "1.2.3.",
    ".1.2.3",
    "1.2.3.-4",
    "a.b.c.d",
    " 1.2.3.4",
    "1.2.3.4 ",
    "1.2.3.4:8080",
  ])("refuses %j", (text) => {
    expect(parseIp(text)).toBeNull();
  });
});

describe("parseIp: IPv6", () => {
  it("reads full and zero-compressed forms alike", () => {
    const expected = { family: 6, words: [0x20010db8, 0, 0, 1] };
    expect(parseIp("2001:db8::1")).toEqual(expected);
    expect(parseIp("2001:0db8:0000:0000:0000:0000:0000:0001")).toEqual(expected);
    expect(parseIp("2001:DB8:0:0::1")).toEqual(expected);
  });

  it("reads the compressed edges: ::, ::1 and a trailing ::", () => {
    expect(parseIp("::")).toEqual({ family: 6, words: [0, 0, 0, 0] });
    expect(parseIp("::1")).toEqual({ family: 6, words: [0, 0, 0, 1] });
    expect(parseIp("fe80::")).toEqual({ family: 6, words: [0xfe800000, 0, 0, 0] });
    expect(parseIp("1:2:3:4:5:6:7:8")).toEqual({ family: 6, words: [0x10002, 0x30004, 0x50006, 0x70008] });
  });

  it("reads an IPv4-mapped address as the IPv4 address, in any spelling", () => {
    const ipv4 = parseIp("192.0.2.1");
    expect(parseIp("::ffff:192.0.2.1")).toEqual(ipv4);
    expect(parseIp("::FFFF:c000:201")).toEqual(ipv4);
    expect(parseIp("0:0:0:0:0:ffff:192.0.2.1")).toEqual(ipv4);
  });

  it("keeps other embedded IPv4 forms as IPv6", () => {
    expect(parseIp("::192.0.2.1")).toEqual({ family: 6, words: [0, 0, 0, 0xc0000201] });
    expect(parseIp("64:ff9b::192.0.2.1")).toEqual({ family: 6, words: [0x0064ff9b, 0, 0, 0xc0000201] });
    expect(parseIp("1:2:3:4:5:6:1.2.3.4")?.family).toBe(6);
  });

  it.each([
    "1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7:8::",
    "::1:2:3:4:5:6:7:8",
    "1::2::3",
    ":::",
    ":1::",
    "1::2:",
    ":1:2:3:4:5:6:7",
    "12345::",
    "g::1",
    "fe80::1%eth0",
    "[::1]",
    "1.2.3.4::",
    "::ffff:1.2.3",
    "::ffff:01.2.3.4",
    "1:2:3:4:5:6:7:1.2.3.4",
    "::1.2.3.4:5",
  ])("refuses %j", (text) => {
    expect(parseIp(text)).toBeNull();
  });
});

describe("parseIpRange", () => {
  it("reads a plain address as a range of one", () => {
    expect(contains("192.0.2.1", "192.0.2.1")).toBe(true);
    expect(contains("192.0.2.1", "192.0.2.2")).toBe(false);
    expect(contains("2001:db8::1", "2001:0db8:0:0:0:0:0:1")).toBe(true);
    expect(contains("2001:db8::1", "2001:db8::2")).toBe(false);
  });

  it("matches an IPv4 CIDR by its prefix, ignoring host bits", () => {
    expect(contains("10.0.0.0/8", "10.255.1.2")).toBe(true);
    expect(contains("10.0.0.0/8", "11.0.0.0")).toBe(false);
    expect(contains("10.1.2.3/8", "10.9.9.9")).toBe(true);
    expect(contains("192.0.2.128/25", "192.0.2.200")).toBe(true);
    expect(contains("192.0.2.128/25", "192.0.2.127")).toBe(false);
    expect(contains("192.0.2.1/32", "192.0.2.1")).toBe(true);
    expect(contains("0.0.0.0/0", "203.0.113.9")).toBe(true);
  });

  it("matches an IPv6 CIDR across word boundaries", () => {
    expect(contains("2001:db8::/32", "2001:db8:ffff::1")).toBe(true);
    expect(contains("2001:db8::/32", "2001:db9::1")).toBe(false);
    expect(contains("2001:db8:0:8000::/49", "2001:db8:0:ffff::1")).toBe(true);
    expect(contains("2001:db8:0:8000::/49", "2001:db8:0:7fff::1")).toBe(false);
    expect(contains("::/0", "fe80::1")).toBe(true);
  });

  it("matches an IPv4-mapped client against an IPv4 range, and a mapped range of /96 or more against IPv4 clients", () => {
    expect(contains("10.0.0.0/8", "::ffff:10.1.2.3")).toBe(true);
    expect(contains("::ffff:10.0.0.0/104", "10.1.2.3")).toBe(true);
    expect(contains("::ffff:10.0.0.0/104", "::ffff:10.1.2.3")).toBe(true);
    expect(contains("::ffff:10.0.0.0/104", "11.0.0.1")).toBe(false);
    expect(contains("::ffff:0:0/96", "198.51.100.7")).toBe(true);
    expect(contains("::ffff:192.0.2.1", "192.0.2.1")).toBe(true);
  });

  it("never matches IPv4 clients with other IPv6 ranges, as Go's net.IPNet does not", () => {
    expect(contains("::/0", "1.2.3.4")).toBe(false);
    expect(contains("::/0", "::ffff:1.2.3.4")).toBe(false);
    expect(contains("::ffff:10.0.0.0/80", "10.0.0.1")).toBe(false);
    expect(contains("::ffff:10.0.0.0/80", "::1")).toBe(true);
    expect(contains("0.0.0.0/0", "2001:db8::1")).toBe(false);
  });

  it("accepts a prefix with leading zeros, as net.ParseCIDR does", () => {
    expect(contains("10.0.0.0/08", "10.1.1.1")).toBe(true);
  });

  it.each([
    ["10.0.0.0/33", "has a prefix length that is not 0-32"],
    ["10.0.0.0/", "has a prefix length that is not 0-32"],
    ["10.0.0.0/x", "has a prefix length that is not 0-32"],
    ["10.0.0.0/-1", "has a prefix length that is not 0-32"],
    ["10.0.0.0/8/9", "has a prefix length that is not 0-32"],
    ["2001:db8::/129", "has a prefix length that is not 0-128"],
    ["::ffff:1.2.3.4/129", "has a prefix length that is not 0-128"],
    ["10.0.0/8", "is not an IP address or CIDR range"],
    ["/8", "is not an IP address or CIDR range"],
    ["localhost", "is not an IP address or CIDR range"],
    ["", "is not an IP address or CIDR range"],
  ])("refuses %j with a reason naming it", (text, reason) => {
    const parsed = parseIpRange(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toBe(`"${text}" ${reason}`);
  });
});

describe("IpMatcher", () => {
  const matcher = new IpMatcher(["192.0.2.1", "10.0.0.0/8", "2001:db8::/32", "::ffff:172.16.0.0/108"].map(range));

  it("matches an address in any of its entries, of either family", () => {
    for (const text of ["192.0.2.1", "10.20.30.40", "::ffff:10.0.0.1", "2001:db8::42", "172.31.255.255"]) {
      expect(matcher.matches(address(text)), text).toBe(true);
    }
  });

  it("matches nothing outside its entries", () => {
    for (const text of ["192.0.2.2", "11.0.0.1", "2001:db9::1", "172.32.0.0", "::1"]) {
      expect(matcher.matches(address(text)), text).toBe(false);
    }
  });

  it("matches nothing when empty", () => {
    expect(new IpMatcher([]).matches(address("192.0.2.1"))).toBe(false);
  });
});
