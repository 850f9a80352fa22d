import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { parseGatewayConfig } from "../../src/config";
import { normalisePath } from "../../src/analytics/normalise";

describe("analytics configuration", () => {
  it("is on when the ANALYTICS_QUEUE binding exists and off without it", () => {
    expect(parseGatewayConfig({ ANALYTICS_QUEUE: env.ANALYTICS_QUEUE }).analytics.queue).toBe(env.ANALYTICS_QUEUE);
    expect(parseGatewayConfig({}).analytics.queue).toBeUndefined();
    expect(parseGatewayConfig({ ANALYTICS_QUEUE: env.ANALYTICS_QUEUE, TYK_GW_ENABLEANALYTICS: "false" }).analytics.queue).toBeUndefined();
  });

  it("rejects TYK_GW_ENABLEANALYTICS=true without a queue to write to", () => {
    expect(() => parseGatewayConfig({ TYK_GW_ENABLEANALYTICS: "true" })).toThrow(
      "invalid gateway configuration: TYK_GW_ENABLEANALYTICS: is true but the ANALYTICS_QUEUE binding is missing",
    );
  });

  it("names bad values", () => {
    expect(() => parseGatewayConfig({ PORTCULLIS_ANALYTICS_DETAILED_MAX_BYTES: "200000" })).toThrow(/PORTCULLIS_ANALYTICS_DETAILED_MAX_BYTES/);
    expect(() => parseGatewayConfig({ TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_CUSTOM: "[unclosed" })).toThrow(/TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_CUSTOM/);
  });

  it("reads list settings as comma-separated values or a JSON array", () => {
    const commas = parseGatewayConfig({ TYK_GW_ANALYTICSCONFIG_IGNOREDIPS: "10.0.0.1, ::1" });
    expect([...commas.analytics.ignoredIps]).toEqual(["10.0.0.1", "::1"]);
    const json = parseGatewayConfig({ TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_ENABLED: "true", TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_CUSTOM: '["a{2,3}", "b+"]' });
    expect(json.analytics.normaliseUrls?.custom.map((pattern) => pattern.source)).toEqual(["a{2,3}", "b+"]);
  });
});

describe("normalise_urls", () => {
  const all = { uuids: true, ulids: true, numbers: true, custom: [] };

  it("replaces UUIDs (with or without dashes), ULIDs and whole numeric segments", () => {
    expect(normalisePath("/a/3f2b8c1e9d4a4b7e8f00123456789abc/b/01ARZ3NDEKTSV4RRFFQ69G5FAV/c/42/v2/42x", all)).toBe("/a/{uuid}/b/{ulid}/c/{num}/v2/42x");
  });

  it("applies only the switches that are on", () => {
    expect(normalisePath("/users/12/3f2b8c1e-9d4a-4b7e-8f00-123456789abc", { ...all, uuids: false })).toBe("/users/{num}/3f2b8c1e-9d4a-4b7e-8f00-123456789abc");
  });
});
