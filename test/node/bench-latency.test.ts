import { describe, expect, it } from "vitest";
import { medianInterval } from "../../bench/compare";

/* The statistics behind the bench's latency figure (docs/benchmarks.md, "Latency figure"). */

describe("medianInterval", () => {
  it("gives the 3rd and 10th of 12 sorted values (the distribution-free 95% interval of the median)", () => {
    expect(medianInterval([12, 1, 11, 2, 10, 3, 9, 4, 8, 5, 7, 6])).toEqual([3, 10]);
  });

  it("widens to the extremes at 6 values and gives no interval below that", () => {
    expect(medianInterval([6, 5, 4, 3, 2, 1])).toEqual([1, 6]);
    expect(medianInterval([1, 2, 3, 4, 5]).every(Number.isNaN)).toBe(true);
  });

  it("ignores values that are not finite (runs without a CPU figure)", () => {
    expect(medianInterval([Number.NaN, 12, 1, 11, 2, 10, 3, 9, 4, 8, 5, 7, 6])).toEqual([3, 10]);
  });
});
