import { describe, expect, it, vi } from "vitest";
import type { RateSpec } from "../../src/ratelimit/counters";
import { EdgeLimits } from "../../src/ratelimit/edge";
import { quotaSpec, rateSpec } from "../../src/ratelimit/specs";

/* Which rates edge mode counts on a Rate Limiting binding, found by the binding's name. */

const binding = () => ({ limit: vi.fn(async () => ({ success: true })) });

describe("edge limits", () => {
  it("finds bindings named EDGE_RATE_LIMIT_<limit>_PER_<10|60> and nothing else", () => {
    const edge = EdgeLimits.from({
      EDGE_RATE_LIMIT_100_PER_60: binding(),
      EDGE_RATE_LIMIT_5_PER_10: binding(),
      EDGE_RATE_LIMIT_5_PER_30: binding(),
      EDGE_RATE_LIMIT_0_PER_10: binding(),
      EDGE_RATE_LIMIT_7_PER_60: "not a binding",
      RATE_LIMITER: binding(),
    });
    expect(edge.size).toBe(2);
  });

  it("sends a rate to the binding declared for exactly that rate, quotas and other rates to the object", () => {
    const hundred = binding();
    const edge = EdgeLimits.from({ EDGE_RATE_LIMIT_100_PER_60: hundred });
    const rate = rateSpec("r:api", 100, 60)!;
    const quota = quotaSpec("q:api", 1000, 3600)!;
    const other = rateSpec("r:api:GET /x", 100, 10)!;
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const { edge: counted, rest } = edge.split("key:abc", [rate, quota, other]);
    expect(counted).toEqual([{ spec: rate, binding: hundred, key: "key:abc|r:api" }]);
    expect(rest).toEqual([quota, other]);
  });

  it("estimates what is left from this isolate's own count in a clock-aligned window", () => {
    const edge = EdgeLimits.from({ EDGE_RATE_LIMIT_5_PER_10: binding() });
    const { edge: counted } = edge.split("key:abc", [rateSpec("r:api", 5, 10) as RateSpec]);
    const counter = counted[0]!;
    const start = 1_000_000_000_000 + 2_000;
    expect(edge.view(counter, true, start)).toMatchObject({ limit: 5, remaining: 4, resetAt: 1_000_000_010_000 });
    expect(edge.view(counter, true, start + 1)).toMatchObject({ remaining: 3 });
    expect(edge.view(counter, false, start + 2)).toMatchObject({ remaining: 0 });
    expect(edge.view(counter, true, start + 10_000)).toMatchObject({ remaining: 4, resetAt: 1_000_000_020_000 });
  });
});
