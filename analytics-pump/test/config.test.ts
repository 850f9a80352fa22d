import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { pumpConfig, retryDelaySeconds } from "../src/config";

describe("pump configuration", () => {
  it("backs off exponentially from the base delay up to the cap", () => {
    const config = pumpConfig({ ...env, PUMP_RETRY_BASE_SECONDS: "5", PUMP_RETRY_MAX_SECONDS: "600" });
    expect([1, 2, 3, 4, 7, 8, 30].map((attempts) => retryDelaySeconds(config, attempts))).toEqual([5, 10, 20, 40, 320, 600, 600]);
  });

  it("names every missing setting of the sinks it is asked for", () => {
    expect(() => pumpConfig({ ANALYTICS_SINKS: "d1, postgres,clickhouse" })).toThrow(
      "invalid analytics pump configuration: ANALYTICS_DB: the d1 sink needs the ANALYTICS_DB binding; POSTGRES_URL: the postgres sink needs the HYPERDRIVE binding or POSTGRES_URL; CLICKHOUSE_URL: the clickhouse sink needs CLICKHOUSE_URL",
    );
  });

  it("reads PUMP_POSTGRES_TABLE_SHARDING as text or a TOML boolean, off by default, and names a bad value", () => {
    expect(pumpConfig({ ...env }).PUMP_POSTGRES_TABLE_SHARDING).toBe(false);
    expect(pumpConfig({ ...env, PUMP_POSTGRES_TABLE_SHARDING: "true" }).PUMP_POSTGRES_TABLE_SHARDING).toBe(true);
    expect(pumpConfig({ ...env, PUMP_POSTGRES_TABLE_SHARDING: true }).PUMP_POSTGRES_TABLE_SHARDING).toBe(true);
    expect(() => pumpConfig({ ...env, PUMP_POSTGRES_TABLE_SHARDING: "sometimes" })).toThrow(/PUMP_POSTGRES_TABLE_SHARDING/);
  });

  it("rejects an unknown sink and a malformed URL by name", () => {
    expect(() => pumpConfig({ ...env, ANALYTICS_SINKS: "d1,kafka" })).toThrow(/ANALYTICS_SINKS\.1: must list sinks out of d1, postgres, clickhouse/);
    expect(() => pumpConfig({ ...env, ANALYTICS_SINKS: "clickhouse", CLICKHOUSE_URL: "ftp://x" })).toThrow(/CLICKHOUSE_URL: must be an http\(s\) URL/);
  });
});
