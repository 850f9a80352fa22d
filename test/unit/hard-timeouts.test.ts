import { describe, expect, it } from "vitest";
import { parseGatewayConfig } from "../../src/config";
import { hardTimeouts } from "../../src/features/hard-timeouts";
import { parseGoDuration } from "../../src/lib/go-duration";
import { messages } from "../../src/lib/tyk-error";
import { upstreamFailure } from "../../src/proxy/failure";

describe("Go durations", () => {
  it("reads what time.ParseDuration reads, in milliseconds", () => {
    expect(parseGoDuration("30s")).toBe(30_000);
    expect(parseGoDuration("1m30s")).toBe(90_000);
    expect(parseGoDuration("1h")).toBe(3_600_000);
    expect(parseGoDuration("250ms")).toBe(250);
    expect(parseGoDuration("1.1s")).toBe(1100);
    expect(parseGoDuration(".5s")).toBe(500);
    expect(parseGoDuration("1.s")).toBe(1000);
    expect(parseGoDuration("500us")).toBe(0.5);
    expect(parseGoDuration("500\u00b5s")).toBe(0.5);
    expect(parseGoDuration("500\u03bcs")).toBe(0.5);
    expect(parseGoDuration("1500000ns")).toBe(1.5);
    expect(parseGoDuration("0")).toBe(0);
    expect(parseGoDuration("0s")).toBe(0);
    expect(parseGoDuration("+2s")).toBe(2000);
    expect(parseGoDuration("-2s")).toBe(-2000);
  });

  it("refuses what Go refuses", () => {
    for (const text of ["", "5", "s", ".s", "1.5", "1sec", "1ss", "1s5", "1 s", "--1s", "1s.", "constructor", "3000000h"]) {
      expect(parseGoDuration(text), text).toBeNull();
    }
  });
});

describe("hard timeout fields", () => {
  const definition = (version: Record<string, unknown>) => ({ version_data: { versions: { Default: { name: "Default", ...version } } } });
  const issues = (version: Record<string, unknown>) => hardTimeouts.validate(definition(version)).map((issue) => issue.path.join("."));

  it("accept Tyk's shapes", () => {
    expect(
      issues({ global_enforce_timeout: "1m30s", extended_paths: { hard_timeouts: [{ path: "/a", method: "GET", timeout: 5, duration: "500ms" }] } }),
    ).toEqual([]);
    expect(issues({ global_enforce_timeout: "", extended_paths: { hard_timeouts: null } })).toEqual([]);
  });

  it("refuse what Tyk's schema and validator refuse", () => {
    expect(issues({ global_enforce_timeout: "soon" })).toEqual(["version_data.versions.Default.global_enforce_timeout"]);
    expect(issues({ global_enforce_timeout: "-1s" })).toEqual(["version_data.versions.Default.global_enforce_timeout"]);
    expect(issues({ global_enforce_timeout: 30 })).toEqual(["version_data.versions.Default.global_enforce_timeout"]);
    expect(issues({ extended_paths: { hard_timeouts: [{ path: "/a", method: "GET", timeout: -1 }] } })).toEqual([
      "version_data.versions.Default.extended_paths.hard_timeouts.0.timeout",
    ]);
    expect(issues({ extended_paths: { hard_timeouts: [{ path: "/a", method: "GET", timeout: 1.5 }] } })).toEqual([
      "version_data.versions.Default.extended_paths.hard_timeouts.0.timeout",
    ]);
  });
});

describe("upstream failures", () => {
  it("are Tyk's 504 when the gateway's deadline ended them, whatever the error", () => {
    const failure = upstreamFailure(new DOMException("The operation was aborted", "AbortError"), true);
    expect([failure.status, failure.message]).toEqual([504, messages.upstreamTimeout]);
  });

  it("are Tyk's DNS answer when the error names a failed lookup", () => {
    for (const message of ["DNS lookup failed.; params.host = api.invalid", "failed to lookup address information: Name or service not known"]) {
      const failure = upstreamFailure(new Error(message), false);
      expect([failure.status, failure.message]).toEqual([500, messages.upstreamLookupFailed]);
    }
  });

  it("are Tyk's generic 500 otherwise: workerd's refused, reset and TLS errors", () => {
    for (const error of [new Error("Network connection lost."), new Error("internal error; reference = abc123"), "not an Error"]) {
      const failure = upstreamFailure(error, false);
      expect([failure.status, failure.message]).toEqual([500, messages.proxyFailed]);
    }
  });
});

describe("TYK_GW_PROXYDEFAULTTIMEOUT", () => {
  it("is Tyk's 30 s when unset, empty or zero", () => {
    for (const value of [undefined, "", "0"]) expect(parseGatewayConfig({ TYK_GW_PROXYDEFAULTTIMEOUT: value }).proxy.defaultTimeoutMs).toBe(30_000);
  });

  it("takes seconds, fractions included", () => {
    expect(parseGatewayConfig({ TYK_GW_PROXYDEFAULTTIMEOUT: "2.5" }).proxy.defaultTimeoutMs).toBe(2500);
  });

  it("refuses what is not a non-negative number a timer can wait", () => {
    for (const value of ["soon", "-1", "3000000"])
      expect(() => parseGatewayConfig({ TYK_GW_PROXYDEFAULTTIMEOUT: value }), value).toThrow(/TYK_GW_PROXYDEFAULTTIMEOUT/);
  });
});
