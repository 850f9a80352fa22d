import { describe, expect, it } from "vitest";
import { sampleRecord } from "../../test/analytics/support/sample-record";
import { aggregateRequests, aggregateUptime } from "../src/sinks/tyk-aggregate";
import { shardName } from "../src/sinks/tyk-pump-tables";
import { sampleUptimeRecord } from "./support/uptime-record";

/*
 * tyk-pump's aggregation rules without a database (the integration suite
 * checks the same against real PostgreSQL tables).
 */

const at = (minute: number) => `2026-03-04T10:${String(minute).padStart(2, "0")}:00.000Z`;
const request = (minute: number, code: number, latency: number) =>
  sampleRecord(minute, { org_id: "o", api_id: "a", timestamp: at(minute), response_code: code, latency: { total: latency, upstream: latency, gateway: 0 } });
const rowOf = (rows: ReturnType<typeof aggregateRequests>, dimension: string, value: string) =>
  rows.find((row) => row.dimension === dimension && row.dimension_value === value);

describe("tyk-pump aggregation", () => {
  it("counts only 2xx as success and >= 400 as errors, with error codes in their columns", () => {
    const rows = aggregateRequests([request(1, 200, 5), request(2, 301, 5), request(3, 404, 5), request(4, 418, 5), request(5, 502, 5)]);
    const total = rowOf(rows, "", "total")!;
    expect([total.counter_hits, total.counter_success, total.counter_error]).toEqual([5, 1, 3]);
    expect([total.code_404, total.code_4x, total.code_502, total.code_200, total.code_3x]).toEqual([1, 1, 1, 0, 0]);
    expect(rows.filter((row) => row.dimension === "errors").map((row) => row.dimension_value)).toEqual(["404", "418", "502"]);
  });

  it("lets a non-error lower a dimension's minimum latency but only a 2xx lower the total's", () => {
    const rows = aggregateRequests([request(1, 200, 10), request(2, 304, 3), request(3, 500, 1)]);
    expect(rowOf(rows, "", "total")!.counter_min_latency).toBe(10);
    expect(rowOf(rows, "apiid", "a")!.counter_min_latency).toBe(3);
    expect(rowOf(rows, "apiid", "a")!.counter_max_latency).toBe(10);
  });

  it("keeps each hour and organisation apart, stamped in Unix seconds, with tyk-pump's hex ids", () => {
    const rows = aggregateRequests([
      request(1, 200, 1),
      { ...request(2, 200, 1), timestamp: "2026-03-04T11:00:00.000Z" },
      { ...request(3, 200, 1), org_id: "" },
    ]);
    const totals = rows.filter((row) => row.dimension === "");
    expect(totals.map((row) => row.timestamp)).toEqual([Date.UTC(2026, 2, 4, 10) / 1000, Date.UTC(2026, 2, 4, 11) / 1000]);
    expect(totals[0]!.id).toBe([..."1772618400ototal"].map((char) => char.charCodeAt(0).toString(16)).join(""));
  });

  it("aggregates uptime checks with 2xx codes counted in code_*", () => {
    const rows = aggregateUptime(
      [200, 200, 503].map((code, index) => sampleUptimeRecord(index, { org_id: "o", url: "http://u/h", response_code: code, timestamp: at(index) })),
    );
    const total = rows.find((row) => row.dimension === "")!;
    expect([total.counter_hits, total.counter_success, total.counter_error, total.code_200, total.code_503]).toEqual([3, 2, 1, 2, 1]);
    expect(total.counter_last_time).toBe("0001-01-01T00:00:00Z");
  });

  it("names day tables by UTC date", () => {
    expect(shardName("tyk_analytics", "2026-02-10T23:59:59.999-01:00")).toBe("tyk_analytics_20260211");
  });
});
