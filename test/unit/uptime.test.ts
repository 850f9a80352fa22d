import { describe, expect, it, vi } from "vitest";
import { compileCore } from "../../src/apidef/compile";
import { coreDefinitionSchema } from "../../src/apidef/schema";
import type { RequestContext } from "../../src/chain/context";
import { parseGatewayConfig } from "../../src/config";
import { uptimeRecordSchema } from "../../src/contract/uptime-record";
import { proxyToUpstream } from "../../src/features/proxy";
import { Balancer, FixedTargets, type HostStatus } from "../../src/proxy/balancer";
import { httpChecks, uptimeTestsSchema } from "../../src/uptime/definition";
import { HostStatusCache } from "../../src/uptime/host-status";
import { planFor } from "../../src/uptime/plan";
import type { ProbeResult } from "../../src/uptime/probe";
import { uptimeRecord } from "../../src/uptime/record";
import { type Sample, type Verdict, sampleFailure, sampleSuccess } from "../../src/uptime/samples";

/** Feeds results (true = passed) through Tyk's sampling; returns the verdict of each. */
function verdicts(results: boolean[], sampleSize = 3): Verdict[] {
  let sample: Sample | undefined;
  return results.map((ok) => {
    const next = ok ? sampleSuccess(sample) : sampleFailure(sample, sampleSize);
    sample = next.sample;
    return next.verdict;
  });
}

const tests = (value: unknown) => uptimeTestsSchema.parse(value);

describe("failure sampling (Tyk's HostReporter)", () => {
  it("marks a host down on the failure that reaches the sample size, and on every failure after it", () => {
    expect(verdicts([false, false, false, false])).toEqual([null, null, "down", "down"]);
  });

  it("needs as many successes as the sample size to bring a host back up", () => {
    expect(verdicts([false, false, false, true, true, true, true])).toEqual([null, null, "down", null, null, "up", null]);
  });

  it("lets scattered failures add up, as a success below the limit forgets nothing", () => {
    expect(verdicts([false, true, false, true, false])).toEqual([null, null, null, null, "down"]);
  });

  it("does not count failures past the limit: a failure while recovering does not lengthen the recovery", () => {
    expect(verdicts([false, false, false, true, false, true, true])).toEqual([null, null, "down", null, "down", null, "up"]);
  });

  it("honours other sample sizes", () => {
    expect(verdicts([false, true], 1)).toEqual(["down", "up"]);
  });
});

describe("uptime test definitions", () => {
  it("turns check_list entries into HTTP checks with Tyk's defaults", () => {
    const { checks, skipped } = httpChecks(
      tests({
        check_list: [
          { url: "http://a.test:8080/health" },
          { url: "https://b.test/ping", method: "POST", headers: { "x-probe": "1" }, body: "aGk=", timeout: 2_000_000_000 },
          { url: "http://c.test/x", timeout: 200 },
        ],
      }),
    );
    expect(skipped).toEqual([]);
    expect(checks).toEqual([
      { url: "http://a.test:8080/health", host: "a.test:8080", method: "GET", headers: {}, body: "", timeoutMs: 500 },
      { url: "https://b.test/ping", host: "b.test", method: "POST", headers: { "x-probe": "1" }, body: "aGk=", timeoutMs: 2000 },
      { url: "http://c.test/x", host: "c.test", method: "GET", headers: {}, body: "", timeoutMs: 1 },
    ]);
  });

  it("skips, and names, the checks Workers cannot run or Tyk could not prepare", () => {
    const { checks, skipped } = httpChecks(
      tests({
        check_list: [
          { url: "redis.test:6379", protocol: "tcp", commands: [{ name: "send", message: "PING" }] },
          { url: "db.test:5432", protocol: "tls" },
          { url: "/relative" },
          { url: "http://a.test/", body: "not base64!" },
        ],
      }),
    );
    expect(checks).toEqual([]);
    expect(skipped.map((entry) => entry.field)).toEqual([
      "uptime_tests.check_list.0.protocol",
      "uptime_tests.check_list.1.protocol",
      "uptime_tests.check_list.2.url",
      "uptime_tests.check_list.3.body",
    ]);
  });

  it("keeps one check per URL, the last, as Tyk's host list is keyed by URL", () => {
    const { checks } = httpChecks(
      tests({
        check_list: [
          { url: "http://a.test/", method: "GET" },
          { url: "http://a.test/", method: "HEAD" },
        ],
      }),
    );
    expect(checks.map((check) => check.method)).toEqual(["HEAD"]);
  });

  it("accepts the nulls of Tyk's exports", () => {
    expect(httpChecks(tests({ check_list: null })).checks).toEqual([]);
    expect(httpChecks(tests({ check_list: [{ url: "http://a.test/", headers: null, commands: null }] })).checks).toHaveLength(1);
  });
});

describe("the reverse proxy's fields", () => {
  const config = parseGatewayConfig({});
  const definition = (extra: Record<string, unknown>) => ({
    api_id: "a",
    ...extra,
    proxy: { listen_path: "/a/", target_url: "http://a.test", ...(extra.proxy as object) },
  });

  it("parses uptime tests beside service discovery, nulls included", () => {
    const issues = proxyToUpstream.validate(
      definition({
        proxy: { enable_load_balancing: true, check_host_against_uptime_tests: true, service_discovery: { use_discovery_service: false, cache_timeout: 0 } },
        uptime_tests: {
          disabled: false,
          check_list: [{ url: "http://a.test/", headers: null, commands: null }],
          config: { expire_utime_after: 0, recheck_wait: 0 },
        },
      }),
    );
    expect(issues).toEqual([]);
    expect(proxyToUpstream.validate(definition({ uptime_tests: { check_list: null } }))).toEqual([]);
    expect(proxyToUpstream.validate(definition({ uptime_tests: { check_list: [{ url: 5 }] } }))).not.toEqual([]);
  });

  it("reports unrunnable checks, and a host check with no uptime tests of the API's own", () => {
    const build = (extra: Record<string, unknown>) => {
      const raw = definition(extra);
      const built = proxyToUpstream.build(raw, compileCore(coreDefinitionSchema.parse(raw)), config);
      if (!built.ok) throw new Error("invalid");
      return built.warnings.map((warning) => warning.field);
    };
    expect(build({ uptime_tests: { check_list: [{ url: "db.test:5432", protocol: "tcp" }] } })).toEqual(["uptime_tests.check_list.0.protocol"]);
    expect(build({ proxy: { enable_load_balancing: true, check_host_against_uptime_tests: true } })).toEqual(["proxy.check_host_against_uptime_tests"]);
    expect(
      build({ proxy: { enable_load_balancing: true, check_host_against_uptime_tests: true }, uptime_tests: { check_list: [{ url: "http://a.test/" }] } }),
    ).toEqual([]);
  });
});

describe("checker plans", () => {
  const settings = { disabled: false, sampleSize: 3, intervalMs: 10_000, recordAnalytics: undefined, statusRefreshMs: 5000 };
  const api = (extra: Record<string, unknown>) => ({ api_id: "p", org_id: "o", proxy: { listen_path: "/p/", target_url: "http://a.test" }, ...extra });
  const checked = { uptime_tests: { check_list: [{ url: "http://a.test/health" }], config: { expire_utime_after: 60 } } };

  it("carries the API, its checks and the gateway's settings", () => {
    expect(planFor(api(checked), settings, true)).toMatchObject({
      apiId: "p",
      orgId: "o",
      expireAfterSeconds: 60,
      intervalMs: 10_000,
      sampleSize: 3,
      recordAnalytics: true,
      checks: [{ url: "http://a.test/health" }],
    });
  });

  it("records analytics only when analytics is on and uptime analytics is not switched off", () => {
    expect(planFor(api(checked), settings, false)?.recordAnalytics).toBe(false);
    expect(planFor(api(checked), { ...settings, recordAnalytics: false }, true)?.recordAnalytics).toBe(false);
  });

  it("has none for inactive or invalid APIs, disabled tests, or no HTTP check", () => {
    expect(planFor(api({ ...checked, active: false }), settings, true)).toBeUndefined();
    expect(planFor({ ...checked, api_id: "" }, settings, true)).toBeUndefined();
    expect(planFor(api({ uptime_tests: { ...checked.uptime_tests, disabled: true } }), settings, true)).toBeUndefined();
    expect(planFor(api({ uptime_tests: { check_list: [{ url: "db.test:1", protocol: "tcp" }] } }), settings, true)).toBeUndefined();
  });
});

describe("uptime records", () => {
  const check = { url: "http://a.test/health", host: "a.test", method: "GET", headers: {}, body: "", timeoutMs: 500 };
  const at = new Date("2026-03-04T05:06:07.000Z");
  const result = (responseCode: number, tcpError = false): ProbeResult => ({ check, responseCode, tcpError, latencyMs: 12.7 });

  it("writes Tyk's fields, dated in UTC, valid against the contract", () => {
    const record = uptimeRecord(result(200), { apiId: "a", orgId: "o", expireAfterSeconds: 60 }, at);
    expect(uptimeRecordSchema.parse(record)).toMatchObject({
      kind: "uptime",
      url: "http://a.test/health",
      request_time: 12,
      response_code: 200,
      tcp_error: false,
      server_error: false,
      day: 4,
      month: 3,
      year: 2026,
      hour: 5,
      minute: 6,
      timestamp: "2026-03-04T05:06:07.000Z",
      expireAt: "2026-03-04T05:07:07.000Z",
      api_id: "a",
      org_id: "o",
    });
  });

  it("gives a check without an answer Tyk's 521, and keeps records for 100 years without expire_utime_after", () => {
    const record = uptimeRecord(result(0, true), { apiId: "a", orgId: "o", expireAfterSeconds: 0 }, at);
    expect(record).toMatchObject({ response_code: 521, tcp_error: true, server_error: false });
    expect(new Date(record.expireAt).getUTCFullYear()).toBe(2126);
    expect(uptimeRecord(result(503), { apiId: "a", orgId: "o", expireAfterSeconds: 0 }, at).server_error).toBe(true);
  });
});

describe("load balancing over uptime test results", () => {
  const targets = ["http://h1.test", "http://h2.test", "http://h3.test"].map((url) => new URL(url));
  const ctx = {} as RequestContext;
  const downs = (...hosts: string[]): HostStatus => ({ downHosts: () => new Set(hosts) });
  const picks = async (balancer: Balancer, count: number) => {
    const picked: (string | null)[] = [];
    for (let at = 0; at < count; at++) picked.push((await balancer.pick(ctx))?.host ?? null);
    return picked;
  };

  it("hands out targets in turn without a host status", async () => {
    expect(await picks(new Balancer(new FixedTargets(targets)), 4)).toEqual(["h1.test", "h2.test", "h3.test", "h1.test"]);
  });

  it("passes a down host's turn to the next target, moving the turn by one per request", async () => {
    expect(await picks(new Balancer(new FixedTargets(targets), downs("h2.test")), 6)).toEqual([
      "h1.test",
      "h3.test",
      "h3.test",
      "h1.test",
      "h3.test",
      "h3.test",
    ]);
  });

  it("answers null when every target is down", async () => {
    expect(await picks(new Balancer(new FixedTargets(targets), downs("h1.test", "h2.test", "h3.test")), 2)).toEqual([null, null]);
  });
});

describe("an isolate's host status", () => {
  const background: Promise<unknown>[] = [];
  const waitUntil = (promise: Promise<unknown>) => void background.push(promise);

  it("answers from memory while fresh, refreshes in the background once old, and waits for a read once twice as old", async () => {
    vi.useFakeTimers();
    try {
      let down = ["h2.test"];
      const read = vi.fn(async () => down);
      const cache = new HostStatusCache(read, 5000);
      const first = await Promise.all([cache.downHosts("a", waitUntil), cache.downHosts("a", waitUntil)]);
      expect(first.map((set) => [...set])).toEqual([["h2.test"], ["h2.test"]]);
      expect(read).toHaveBeenCalledTimes(1);

      down = [];
      vi.advanceTimersByTime(4999);
      expect([...(cache.downHosts("a", waitUntil) as Set<string>)]).toEqual(["h2.test"]);
      expect(read).toHaveBeenCalledTimes(1);

      vi.advanceTimersByTime(1);
      const stale = cache.downHosts("a", waitUntil);
      expect(stale).toBeInstanceOf(Set);
      expect([...(stale as Set<string>)]).toEqual(["h2.test"]);
      await Promise.all(background);
      expect([...(cache.downHosts("a", waitUntil) as Set<string>)]).toEqual([]);
      expect(read).toHaveBeenCalledTimes(2);

      down = ["h3.test"];
      vi.advanceTimersByTime(10_000);
      const old = cache.downHosts("a", waitUntil);
      expect(old).toBeInstanceOf(Promise);
      expect([...(await old)]).toEqual(["h3.test"]);
      expect(read).toHaveBeenCalledTimes(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it("counts every host as up when the checker cannot be read, or there is no checker binding", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const failing = new HostStatusCache(() => Promise.reject(new Error("no object")), 5000);
      expect([...(await failing.downHosts("a", waitUntil))]).toEqual([]);
      expect(JSON.parse(String(errors.mock.calls[0]?.[0]))).toMatchObject({ message: "host status unavailable: balancing over every target", api_id: "a" });
      expect([...(await new HostStatusCache(undefined, 5000).downHosts("a", waitUntil))]).toEqual([]);
    } finally {
      errors.mockRestore();
    }
  });
});
