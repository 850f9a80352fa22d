import { createExecutionContext, env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { createGateway } from "../../src/gateway";
import { admin } from "../support/admin";
import { FlakyChannel, type FlakyMode } from "../support/flaky-upstream";
import { gateway, keylessApi, loadApis, tykError } from "../support/gateway";

/*
 * Circuit breakers through the real Worker, against a loopback upstream that
 * tests switch between healthy, failing (500) and dropping the connection,
 * and that counts what reaches it. Each test has its own API and channel.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const channel = (name: string) => new FlakyChannel(inject("flakyUpstreamUrl"), name);

type Breaker = Record<string, unknown>;

/** An API whose upstream is the flaky channel of the same name; `extended` goes into the version's extended_paths. */
function breakerApi(id: string, breakers: Breaker[], extended: Record<string, unknown> = {}) {
  return keylessApi({
    api_id: id,
    proxy: { listen_path: `/${id}/`, target_url: channel(id).target },
    version_data: { not_versioned: true, versions: { Default: { name: "Default", extended_paths: { circuit_breakers: breakers, ...extended } } } },
  });
}

/** Opens on the second failure in a row; Tyk's fields, half-open off unless asked. */
const breaker = (fields: Breaker = {}): Breaker => ({
  path: "/flaky",
  method: "GET",
  threshold_percent: 1,
  samples: 2,
  return_to_service_after: 60,
  disable_half_open_state: true,
  ...fields,
});

const statusOf = async (response: Response) => {
  await response.body?.cancel();
  return response.status;
};

async function statuses(path: string, count: number, init?: RequestInit): Promise<number[]> {
  const seen: number[] = [];
  for (let sent = 0; sent < count; sent++) seen.push(await statusOf(await gateway(path, init)));
  return seen;
}

async function expectOpen(response: Response): Promise<void> {
  expect(response.status).toBe(503);
  expect(response.headers.get("x-generator")).toBe("tyk.io");
  expect(await tykError(response)).toBe("Service temporarily unavailable.");
}

async function withMode(id: string, mode: FlakyMode): Promise<FlakyChannel> {
  const flaky = channel(id);
  await flaky.setMode(mode);
  return flaky;
}

/** Log lines (JSON) written to `level` while a test runs. */
function captureLogs(level: "warn" | "log") {
  const lines: Record<string, unknown>[] = [];
  vi.spyOn(console, level).mockImplementation((line: unknown) => {
    if (typeof line === "string" && line.startsWith("{")) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return lines;
}

async function eventually(check: () => boolean, withinMs = 2000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms`);
    await sleep(20);
  }
}

describe("circuit breakers (extended_paths.circuit_breakers)", () => {
  beforeAll(async () => {
    await loadApis(
      breakerApi("cb-threshold", [breaker({ threshold_percent: 0.5, samples: 4 })]),
      breakerApi("cb-samples", [breaker({ threshold_percent: 0.5, samples: 5 })]),
      breakerApi("cb-transport", [breaker()]),
      breakerApi("cb-probe", [breaker({ disable_half_open_state: false })]),
      breakerApi("cb-cooldown", [breaker({ return_to_service_after: 1 })]),
      breakerApi("cb-halfopen-cooldown", [breaker({ return_to_service_after: 1, disable_half_open_state: false })]),
      breakerApi("cb-match", [breaker(), breaker({ path: "/items/{id}" })]),
      breakerApi("cb-disabled", [breaker({ disabled: true, samples: 1, threshold_percent: 0 })]),
      breakerApi("cb-upstream-view", [breaker({ method: "POST" })], {
        method_transforms: [{ path: "/old", method: "GET", to_method: "POST" }],
        url_rewrites: [{ path: "/old", method: "GET", match_pattern: "/old", rewrite_to: "/flaky" }],
      }),
      breakerApi("cb-logs", [breaker({ return_to_service_after: 1 })]),
      breakerApi("cb-string-threshold", [breaker({ threshold_percent: "0.5", samples: 2 })]),
    );
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("trips on the failure that brings the window to the threshold, with at least `samples` outcomes", async () => {
    const flaky = await withMode("cb-threshold", "ok");
    expect(await statuses("/cb-threshold/flaky", 3)).toEqual([200, 200, 200]);
    await flaky.setMode("fail");
    // 1/4 and 2/5 failed: under half; 3/6 is half, which trips.
    expect(await statuses("/cb-threshold/flaky", 3)).toEqual([500, 500, 500]);
    await expectOpen(await gateway("/cb-threshold/flaky"));
    expect(await flaky.hits()).toBe(6);
  });

  it("does not trip before the window holds `samples` outcomes, however many fail", async () => {
    const flaky = await withMode("cb-samples", "fail");
    expect(await statuses("/cb-samples/flaky", 5)).toEqual([500, 500, 500, 500, 500]);
    await expectOpen(await gateway("/cb-samples/flaky"));
    expect(await flaky.hits()).toBe(5);
  });

  it("answers 503 while open and never calls the upstream", async () => {
    const flaky = await withMode("cb-threshold", "ok");
    const before = await flaky.hits();
    // Healthy again, but the breaker stays open for return_to_service_after (60 s) without half-open.
    expect(await statuses("/cb-threshold/flaky", 10)).toEqual(new Array(10).fill(503));
    expect(await flaky.hits()).toBe(before);
  });

  it("counts transport errors (the connection dropped) as failures", async () => {
    const flaky = await withMode("cb-transport", "close");
    const failed = await gateway("/cb-transport/flaky");
    expect(failed.status).toBe(500);
    expect(await tykError(failed)).toBe("There was a problem proxying the request");
    expect(await statuses("/cb-transport/flaky", 1)).toEqual([500]);
    await expectOpen(await gateway("/cb-transport/flaky"));
    expect(await flaky.hits()).toBe(2);
  });

  it("takes threshold_percent as a numeric string too", async () => {
    await withMode("cb-string-threshold", "fail");
    expect(await statuses("/cb-string-threshold/flaky", 2)).toEqual([500, 500]);
    await expectOpen(await gateway("/cb-string-threshold/flaky"));
  });

  it("half-open: lets one probe through after 500 ms; a failed probe keeps it open, a good one closes it", async () => {
    const flaky = await withMode("cb-probe", "fail");
    expect(await statuses("/cb-probe/flaky", 2)).toEqual([500, 500]);
    await expectOpen(await gateway("/cb-probe/flaky"));

    await sleep(700);
    const probe = await gateway("/cb-probe/flaky");
    expect(probe.status).toBe(500); // the upstream's own answer: the probe reached it
    await probe.body?.cancel();
    expect(await flaky.hits()).toBe(3);
    // Failed: open again, and the next probe waits longer (750 ms).
    expect(await statuses("/cb-probe/flaky", 3)).toEqual([503, 503, 503]);
    expect(await flaky.hits()).toBe(3);

    await flaky.setMode("ok");
    await sleep(900);
    expect(await statuses("/cb-probe/flaky", 3)).toEqual([200, 200, 200]);
    expect(await flaky.hits()).toBe(6);
  });

  it("disable_half_open_state: nothing reaches the upstream until return_to_service_after, then it closes with an empty window", async () => {
    const flaky = await withMode("cb-cooldown", "fail");
    expect(await statuses("/cb-cooldown/flaky", 2)).toEqual([500, 500]);
    const openedAt = Date.now();
    // With half-open a probe would go at 500 ms; here every request is refused for the whole second.
    while (Date.now() - openedAt < 700) {
      await expectOpen(await gateway("/cb-cooldown/flaky"));
      await sleep(100);
    }
    expect(await flaky.hits()).toBe(2);

    await sleep(1200 - (Date.now() - openedAt));
    // Still failing: the window starts empty, so it takes `samples` failures to trip again.
    expect(await statuses("/cb-cooldown/flaky", 3)).toEqual([500, 500, 503]);
    expect(await flaky.hits()).toBe(4);
  });

  it("half-open: the breaker still closes after return_to_service_after when no probe succeeded", async () => {
    const flaky = await withMode("cb-halfopen-cooldown", "fail");
    expect(await statuses("/cb-halfopen-cooldown/flaky", 2)).toEqual([500, 500]);
    await flaky.setMode("ok");
    await sleep(1200);
    expect(await statuses("/cb-halfopen-cooldown/flaky", 2)).toEqual([200, 200]);
    expect(await flaky.hits()).toBe(4);
  });

  it("guards only its own method and path; each entry is its own breaker", async () => {
    const flaky = await withMode("cb-match", "fail");
    expect(await statuses("/cb-match/flaky", 2)).toEqual([500, 500]);
    await expectOpen(await gateway("/cb-match/flaky"));
    expect(await statuses("/cb-match/flaky", 1, { method: "POST" })).toEqual([500]);
    expect(await statuses("/cb-match/other", 1)).toEqual([500]);
    // `/items/{id}` is one breaker for every id, and still closed.
    expect(await statuses("/cb-match/items/1", 1)).toEqual([500]);
    expect(await flaky.hits()).toBe(5);
    expect(await statuses("/cb-match/items/2", 2)).toEqual([500, 503]);
    expect(await flaky.hits()).toBe(6);
  });

  it("ignores disabled entries", async () => {
    const flaky = await withMode("cb-disabled", "fail");
    expect(await statuses("/cb-disabled/flaky", 4)).toEqual([500, 500, 500, 500]);
    expect(await flaky.hits()).toBe(4);
  });

  it("sees the request as it goes upstream: rewritten path, transformed method", async () => {
    const flaky = await withMode("cb-upstream-view", "fail");
    // GET /old goes upstream as POST /flaky, which the breaker guards.
    expect(await statuses("/cb-upstream-view/old", 2)).toEqual([500, 500]);
    await expectOpen(await gateway("/cb-upstream-view/old"));
    expect(await flaky.hits()).toBe(2);
  });

  it("logs BreakerTripped and BreakerReset with the API and the endpoint", async () => {
    const warnings = captureLogs("warn");
    const infos = captureLogs("log");
    await withMode("cb-logs", "fail");
    expect(await statuses("/cb-logs/flaky", 2)).toEqual([500, 500]);
    await eventually(() => warnings.some((line) => line.message === "BreakerTripped"));
    expect(warnings.find((line) => line.message === "BreakerTripped")).toMatchObject({
      level: "warn",
      api_id: "cb-logs",
      version: "Default",
      method: "GET",
      path: "/flaky",
      window_samples: 2,
      window_failures: 2,
    });

    await sleep(1100);
    // The object closes a cooled-down breaker when next asked: the isolate asks at most a second after its last look.
    const deadline = Date.now() + 2000;
    while (!infos.some((line) => line.message === "BreakerReset") && Date.now() < deadline) {
      await statusOf(await gateway("/cb-logs/other"));
      await statusOf(await gateway("/cb-logs/flaky"));
      await sleep(100);
    }
    expect(infos.find((line) => line.message === "BreakerReset")).toMatchObject({ level: "info", api_id: "cb-logs", path: "/flaky", after: "cooldown" });
  });
});

describe("circuit breaker fields", () => {
  it("are all honoured: a definition using every one is stored without warnings", async () => {
    const added = await admin("POST", "/apis", breakerApi("cb-fields", [breaker({ disabled: false, disable_half_open_state: false })]));
    expect(added.status).toBe(200);
    expect((added.body as { warnings: unknown[] }).warnings).toEqual([]);
  });

  it("refuse a threshold_percent that is not a number", async () => {
    const refused = await admin("POST", "/apis", breakerApi("cb-bad", [breaker({ threshold_percent: "half" })]));
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain("threshold_percent");
  });
});

describe("circuit breakers without the CIRCUIT_BREAKER binding", () => {
  it("trip per isolate, with a warning", async () => {
    await loadApis(breakerApi("cb-local", [breaker()]));
    const warnings = captureLogs("warn");
    const bindings = { ...env, CIRCUIT_BREAKER: undefined };
    const local = createGateway(bindings);
    const app = createApp(() => local);
    const send = () => app.request("http://gateway.test/cb-local/flaky", {}, bindings, createExecutionContext());

    const flaky = await withMode("cb-local", "fail");
    expect([await statusOf(await send()), await statusOf(await send())]).toEqual([500, 500]);
    await expectOpen(await send());
    expect(await flaky.hits()).toBe(2);
    expect(warnings.some((line) => String(line.message).includes("CIRCUIT_BREAKER Durable Object binding is missing"))).toBe(true);
    vi.restoreAllMocks();
  });
});
