import { describe, expect, it } from "vitest";
import { parseTraceparent, propagateTrace, traceOf } from "../../src/lib/trace-context";

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";

describe("trace context", () => {
  it("parses a valid version 00 traceparent, surrounding spaces allowed", () => {
    expect(parseTraceparent(` 00-${traceId}-00f067aa0ba902b7-01 `)).toEqual({ traceId, flags: "01" });
  });

  it("refuses what the spec calls invalid", () => {
    for (const value of [null, "", "garbage", `00-${traceId}-00f067aa0ba902b7-1`, `00-${traceId}-00f067aa0ba902b7`, `0-${traceId}-00f067aa0ba902b7-01`]) {
      expect(parseTraceparent(value)).toBeNull();
    }
  });

  it("a new trace has random 16- and 8-byte ids in lower-case hex", () => {
    const trace = traceOf(new Headers());
    expect(trace.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(trace.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(traceOf(new Headers()).traceId).not.toBe(trace.traceId);
  });

  it("propagation replaces what the client sent", () => {
    const headers = new Headers({ traceparent: "bad", tracestate: "a=b" });
    propagateTrace(headers, traceOf(headers));
    expect(headers.get("traceparent")).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(headers.has("tracestate")).toBe(false);
  });
});
