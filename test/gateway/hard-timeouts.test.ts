import { createExecutionContext, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { messages } from "../../src/lib/tyk-error";
import { recordOf, uniqueAgent } from "../analytics/support/records";
import type { ProbeReport } from "../support/upstream-faults";
import { gateway, keylessApi, loadApis, tykError, upstreamUrl } from "../support/gateway";

/*
 * Hard timeouts (Tyk's enforced timeouts), the gateway's default upstream
 * timeout and Tyk's answers to failed upstreams, against the loopback echo
 * upstream's fault paths (test/support/upstream-faults.ts). Timeouts are 1 s.
 */

const api = (apiId: string, version: Record<string, unknown>, proxy: Record<string, unknown> = {}) =>
  keylessApi({
    api_id: apiId,
    proxy: { listen_path: `/${apiId}/`, ...proxy },
    version_data: { not_versioned: true, versions: { Default: { name: "Default", ...version } } },
  });

const hardTimeouts = (...entries: Record<string, unknown>[]) => ({ extended_paths: { hard_timeouts: entries } });

/** The gateway with a 1 s default upstream timeout (its own bindings, so its own isolate-level gateway). */
const shortDefault = { ...env, TYK_GW_PROXYDEFAULTTIMEOUT: "1" };
const viaShortDefault = async (path: string, init?: RequestInit) =>
  createApp().request(`http://gateway.test${path}`, init, shortDefault, createExecutionContext());

async function timed(request: Promise<Response>): Promise<{ response: Response; ms: number }> {
  const startedAt = Date.now();
  const response = await request;
  return { response, ms: Date.now() - startedAt };
}

/** Reads a body to its end; the time it took and whether it was cut. */
async function readToEnd(response: Response): Promise<{ text: string; cut: boolean; ms: number }> {
  const startedAt = Date.now();
  try {
    return { text: await response.text(), cut: false, ms: Date.now() - startedAt };
  } catch {
    return { text: "", cut: true, ms: Date.now() - startedAt };
  }
}

let probeCount = 0;
const newProbe = () => `hard-timeouts-${Date.now()}-${++probeCount}`;

/** What the upstream saw of the request sent with `?probe=<id>`, once it saw it dropped (or after 1 s). */
async function probeReport(id: string): Promise<ProbeReport | null> {
  const deadline = Date.now() + 1000;
  for (;;) {
    const report = (await (await fetch(`${upstreamUrl()}/probe/${id}`)).json()) as ProbeReport | null;
    if (report?.dropped || Date.now() > deadline) return report;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function expectHardTimeout(response: Response, ms: number): Promise<void> {
  expect(response.status).toBe(504);
  expect(await tykError(response)).toBe(messages.upstreamTimeout);
  expect(ms).toBeGreaterThanOrEqual(900);
  expect(ms).toBeLessThan(2500);
}

describe("hard timeouts (Tyk's enforced timeouts)", () => {
  beforeAll(async () => {
    await loadApis(
      api(
        "ht-endpoint",
        hardTimeouts(
          { path: "/delay/{ms}", method: "GET", timeout: 1 },
          { path: "/stall", method: "GET", timeout: 1 },
          { path: "/drip/{chunks}/{ms}", method: "GET", duration: "1s" },
        ),
      ),
      api("ht-disabled", hardTimeouts({ path: "/delay/{ms}", method: "GET", timeout: 1, disabled: true })),
      api("ht-rewritten", {
        extended_paths: {
          hard_timeouts: [{ path: "/delay/{ms}", method: "GET", timeout: 1 }],
          method_transforms: [{ path: "/delay/{ms}", method: "PUT", to_method: "GET" }],
          url_rewrites: [{ path: "/slow", method: "GET", match_pattern: "^/slow$", rewrite_to: "/delay/3000" }],
        },
      }),
      api("ht-global", {
        global_enforce_timeout: "1s",
        ...hardTimeouts({ path: "/delay/{ms}", method: "POST", duration: "2s" }, { path: "/drip/{chunks}/{ms}", method: "GET", timeout: 0 }),
      }),
      api("ht-global-off", { global_enforce_timeout: "1s", global_enforce_timeout_disabled: true }),
      api("ht-long", hardTimeouts({ path: "/delay/{ms}", method: "GET", timeout: 3 })),
      api("ht-plain", {}),
      api("ht-refused", {}, { target_url: "http://127.0.0.1:9" }),
      api("ht-tls", {}, { target_url: upstreamUrl().replace("http:", "https:") }),
    );
  });

  it("answers 504 once the timeout passes and drops the upstream request", async () => {
    const probe = newProbe();
    const { response, ms } = await timed(gateway(`/ht-endpoint/delay/3000?probe=${probe}`));
    await expectHardTimeout(response, ms);
    const report = await probeReport(probe);
    expect(report?.dropped).toBe(true);
    expect(report?.afterMs).toBeLessThan(2000);
  });

  it("applies an entry only to its method and path", async () => {
    const answers = await Promise.all([
      gateway("/ht-endpoint/delay/1300", { method: "POST" }),
      // "/delay/{ms}" is anchored at both ends, so it does not match a path below it.
      gateway("/ht-endpoint/delay/1300/below"),
      gateway("/ht-endpoint/delay/200"),
    ]);
    for (const response of answers) {
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("delayed");
    }
  });

  it("matches where the proxy does: after URL rewrites and method transforms", async () => {
    const [rewritten, transformed] = await Promise.all([timed(gateway("/ht-rewritten/slow")), timed(gateway("/ht-rewritten/delay/3000", { method: "PUT" }))]);
    await expectHardTimeout(rewritten.response, rewritten.ms);
    await expectHardTimeout(transformed.response, transformed.ms);
  });

  it("ignores disabled entries", async () => {
    const response = await gateway("/ht-disabled/delay/1300");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("delayed");
  });

  it("applies the version's global_enforce_timeout where no entry sets one, unless disabled", async () => {
    const [global, longerEntry, disabled] = await Promise.all([
      timed(gateway("/ht-global/delay/3000")),
      gateway("/ht-global/delay/1500", { method: "POST" }),
      gateway("/ht-global-off/delay/1300"),
    ]);
    await expectHardTimeout(global.response, global.ms);
    expect(longerEntry.status).toBe(200);
    expect(disabled.status).toBe(200);
  });

  it("falls back to the version's timeout when the matching entry sets none", async () => {
    const response = await gateway("/ht-global/drip/8/250");
    expect(response.status).toBe(200);
    const body = await readToEnd(response);
    expect(body.cut).toBe(true);
  });

  it("answers 504 when a body of stated length stalls, before sending anything", async () => {
    const probe = newProbe();
    const { response, ms } = await timed(gateway(`/ht-endpoint/stall?length=100&probe=${probe}`));
    await expectHardTimeout(response, ms);
    expect((await probeReport(probe))?.dropped).toBe(true);
  });

  it("cuts a streamed body that stalls, and the upstream connection with it", async () => {
    const probe = newProbe();
    const { response, ms } = await timed(gateway(`/ht-endpoint/stall?probe=${probe}`));
    expect(response.status).toBe(200);
    const body = await readToEnd(response);
    expect(body.cut).toBe(true);
    expect(ms + body.ms).toBeGreaterThanOrEqual(900);
    expect(ms + body.ms).toBeLessThan(2500);
    expect((await probeReport(probe))?.dropped).toBe(true);
  });

  it("bounds the whole exchange, as Tyk does: a body still moving at the deadline is cut too", async () => {
    const [slow, quick] = await Promise.all(
      ["/ht-endpoint/drip/8/250", "/ht-endpoint/drip/3/100"].map(async (path) => {
        const response = await gateway(path);
        expect(response.status).toBe(200);
        return readToEnd(response);
      }),
    );
    expect(slow?.cut).toBe(true);
    expect(quick).toMatchObject({ cut: false, text: "drop\n".repeat(3) });
  });

  it("records a timeout in analytics as Tyk's 504 with no upstream time", async () => {
    const agent = uniqueAgent("hard-timeout");
    const response = await gateway("/ht-endpoint/delay/3000", { headers: { "user-agent": agent } });
    expect(response.status).toBe(504);
    await response.arrayBuffer();
    const record = await recordOf(agent);
    expect(record.response_code).toBe(504);
    expect(record.latency.upstream).toBe(0);
    expect(record.latency.total).toBeGreaterThanOrEqual(900);
  });
});

describe("the default upstream timeout (TYK_GW_PROXYDEFAULTTIMEOUT)", () => {
  // The upstream request is dropped when the gateway's request ends, as the hard-timeout tests through the Worker
  // show; this gateway runs inside the test's own request, which outlives the answer, so only the 504 is checked here.
  it("answers 504 when the response headers take longer", async () => {
    const { response, ms } = await timed(viaShortDefault("/ht-plain/delay/3000"));
    await expectHardTimeout(response, ms);
  });

  it("is not extended by a longer hard timeout: Tyk's transport waits no longer for headers", async () => {
    const { response, ms } = await timed(viaShortDefault("/ht-long/delay/2000"));
    await expectHardTimeout(response, ms);
  });

  it("bounds only the wait for headers: a body may take longer without a hard timeout", async () => {
    const response = await viaShortDefault("/ht-plain/drip/6/250");
    expect(response.status).toBe(200);
    expect(await readToEnd(response)).toMatchObject({ cut: false, text: "drop\n".repeat(6) });
  });
});

describe("failed upstreams", () => {
  it("answers Tyk's 500 when the connection is refused, reset or its TLS handshake fails", async () => {
    const [refused, reset, tls] = await Promise.all([gateway("/ht-refused/x"), gateway("/ht-plain/reset"), gateway("/ht-tls/x")]);
    for (const response of [refused, reset, tls]) {
      expect(response.status).toBe(500);
      expect(await tykError(response)).toBe(messages.proxyFailed);
    }
  });

  it("records a failed upstream in analytics as Tyk's 500 with no upstream time", async () => {
    const agent = uniqueAgent("refused");
    const response = await gateway("/ht-refused/x", { headers: { "user-agent": agent } });
    expect(response.status).toBe(500);
    await response.arrayBuffer();
    const record = await recordOf(agent);
    expect(record.response_code).toBe(500);
    expect(record.latency.upstream).toBe(0);
  });
});
