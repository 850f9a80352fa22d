import { describe, expect, it } from "vitest";
import { ConfigError, parseGatewayConfig } from "../../src/config";

describe("gateway configuration", () => {
  it("applies Tyk's defaults", () => {
    const config = parseGatewayConfig({});
    expect(config.hashKeys).toBe(true);
    expect(config.hashKeyFunction).toBe("sha256");
    expect(config.healthCheckEndpointName).toBe("hello");
    expect(config.storage).toEqual({ type: "kv" });
    expect(config.secret).toBeUndefined();
    expect(config.minTokenLength).toBe(3);
  });

  it("reads TYK_GW_* names", () => {
    const config = parseGatewayConfig({ TYK_GW_SECRET: "s", TYK_GW_HASHKEYS: "false", TYK_GW_HEALTHCHECKENDPOINTNAME: "status" });
    expect(config).toMatchObject({ secret: "s", hashKeys: false, healthCheckEndpointName: "status" });
  });

  it("names every bad variable", () => {
    const parse = () => parseGatewayConfig({ TYK_GW_HASHKEYS: "maybe", TYK_GW_STORAGE_TYPE: "upstash" });
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(/TYK_GW_HASHKEYS/);
    expect(parse).toThrow(/UPSTASH_REDIS_REST_URL: required when TYK_GW_STORAGE_TYPE=upstash/);
    expect(parse).toThrow(/UPSTASH_REDIS_REST_TOKEN/);
  });

  it("refuses a health check name that is not one path segment", () => {
    expect(() => parseGatewayConfig({ TYK_GW_HEALTHCHECKENDPOINTNAME: "a/b" })).toThrow(/TYK_GW_HEALTHCHECKENDPOINTNAME/);
  });
});
