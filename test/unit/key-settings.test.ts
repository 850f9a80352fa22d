import { describe, expect, it } from "vitest";
import { parseGatewayConfig } from "../../src/config";

describe("key, password and lifetime settings", () => {
  it("defaults to sha256 keys, no fallbacks, PBKDF2 passwords and no global lifetime", () => {
    expect(parseGatewayConfig({})).toMatchObject({
      hashKeyFunction: "sha256",
      hashKeyFunctionFallback: [],
      basicAuthHashFunction: "pbkdf2-sha256",
      globalSessionLifetime: 0,
      forceGlobalSessionLifetime: false,
      jwksRefreshCooldownMs: 10_000,
    });
  });

  it("reads Tyk's names, the fallback as a comma list", () => {
    const config = parseGatewayConfig({
      TYK_GW_HASHKEYFUNCTION: "murmur128",
      TYK_GW_HASHKEYFUNCTIONFALLBACK: "murmur64, murmur32",
      TYK_GW_BASICAUTHHASHKEYFUNCTION: "bcrypt",
      TYK_GW_GLOBALSESSIONLIFETIME: "-1",
      TYK_GW_FORCEGLOBALSESSIONLIFETIME: "true",
    });
    expect(config).toMatchObject({
      hashKeyFunction: "murmur128",
      hashKeyFunctionFallback: ["murmur64", "murmur32"],
      basicAuthHashFunction: "bcrypt",
      globalSessionLifetime: -1,
      forceGlobalSessionLifetime: true,
    });
  });

  it("names the variable when a value is not allowed", () => {
    expect(() => parseGatewayConfig({ TYK_GW_HASHKEYFUNCTION: "md5" })).toThrow(/TYK_GW_HASHKEYFUNCTION/);
    expect(() => parseGatewayConfig({ TYK_GW_HASHKEYFUNCTIONFALLBACK: "sha256,crc32" })).toThrow(/TYK_GW_HASHKEYFUNCTIONFALLBACK/);
    expect(() => parseGatewayConfig({ TYK_GW_BASICAUTHHASHKEYFUNCTION: "md5" })).toThrow(/TYK_GW_BASICAUTHHASHKEYFUNCTION/);
    expect(() => parseGatewayConfig({ TYK_GW_GLOBALSESSIONLIFETIME: "-5" })).toThrow(/TYK_GW_GLOBALSESSIONLIFETIME/);
  });
});
