import { describe, expect, it } from "vitest";
import { parseGatewayConfig } from "../../src/config";
import { clientIp } from "../../src/lib/client-ip";
import { testSecret } from "../support/constants";

const spoofed = new Headers({ "cf-connecting-ip": "203.0.113.9", "x-forwarded-for": "198.51.100.1, 192.0.2.7", "x-real-ip": "198.51.100.2" });
const configWith = (vars: Record<string, string>) => parseGatewayConfig({ TYK_GW_SECRET: testSecret, ...vars });

describe("client IP", () => {
  it("believes no header by default: without the setting nothing a client sends names the caller", () => {
    expect(configWith({}).clientIpHeader).toBe("");
    expect(clientIp(spoofed, "")).toBe("");
  });

  it("reads CF-Connecting-IP only when the setting names it (Cloudflare's edge sets it)", () => {
    expect(clientIp(spoofed, configWith({ PORTCULLIS_CLIENT_IP_HEADER: "CF-Connecting-IP" }).clientIpHeader)).toBe("203.0.113.9");
  });

  it("takes the last X-Forwarded-For entry, the one the trusted proxy appended", () => {
    expect(clientIp(spoofed, "x-forwarded-for")).toBe("192.0.2.7");
    expect(clientIp(new Headers({ "x-forwarded-for": "192.0.2.8" }), "x-forwarded-for")).toBe("192.0.2.8");
  });

  it("takes any other named header whole, and nothing when the request lacks it", () => {
    expect(clientIp(spoofed, "x-real-ip")).toBe("198.51.100.2");
    expect(clientIp(new Headers(), "cf-connecting-ip")).toBe("");
  });

  it("refuses a setting that is not a header name", () => {
    expect(() => configWith({ PORTCULLIS_CLIENT_IP_HEADER: "cf connecting ip" })).toThrow(/PORTCULLIS_CLIENT_IP_HEADER/);
  });
});
