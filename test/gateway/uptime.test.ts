import { createExecutionContext, createScheduledController, env, runDurableObjectAlarm, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, inject, it, type MockInstance, vi } from "vitest";
import { type UptimeRecord, uptimeRecordSchema } from "../../src/contract/uptime-record";
import worker from "../../src/index";
import { checkerKeys } from "../../src/uptime/host-checker";
import { keylessApi, loadApis } from "../support/gateway";
import type { HostState } from "../support/switchable-hosts";

/*
 * Uptime tests end to end: the Cron Trigger arms HostChecker objects, their
 * alarms (run here with runDurableObjectAlarm instead of waiting) check real
 * loopback hosts, and the gateway's load balancing passes over the hosts they
 * found down. A long interval keeps the real alarms from firing mid-test; a
 * host status refresh of 0 s makes every request read the checker's status.
 */

const hosts = inject("switchableHosts");
const hostOf = (url: string) => new URL(url).host;
const deadUrl = "http://127.0.0.1:1/health";

const vars = { TYK_GW_UPTIMETESTS_CONFIG_TIMEWAIT: "600", PORTCULLIS_HOST_STATUS_CHECK_SECONDS: "0" };

/** A new bindings object is a new gateway, with its own host status cache. */
const freshBindings = (extra: Record<string, string> = {}) => ({ ...env, ...vars, ...extra });

async function runCron(bindings = freshBindings()): Promise<void> {
  await worker.scheduled(createScheduledController({ cron: "* * * * *" }), bindings);
}

function send(bindings: Record<string, unknown>) {
  return async (path: string): Promise<Response> => {
    const ctx = createExecutionContext();
    const response = await worker.fetch(new Request(`http://gateway.test${path}`), bindings, ctx);
    const body = await response.arrayBuffer();
    await waitOnExecutionContext(ctx);
    return new Response(body, response);
  };
}

/** Which host answered each of `count` requests, in order, with the status when it was not 200 ("h2 500"). */
async function servedBy(path: string, count: number, bindings: Record<string, unknown> = freshBindings()): Promise<string[]> {
  const request = send(bindings);
  const answered: string[] = [];
  for (let at = 0; at < count; at++) {
    const response = await request(path);
    const host = response.headers.get("x-switchable-host") ?? "none";
    answered.push(response.status === 200 ? host : `${host} ${response.status}`);
  }
  return answered;
}

const checker = (apiId: string) => env.HOST_CHECKER.get(env.HOST_CHECKER.idFromName(apiId));

async function runChecks(apiId: string, times: number): Promise<void> {
  for (let run = 0; run < times; run++) expect(await runDurableObjectAlarm(checker(apiId))).toBe(true);
}

async function setHosts(state: HostState, ...indexes: number[]): Promise<void> {
  for (const index of indexes) {
    const response = await fetch(`${hosts[index]}/__control?state=${state}`, { method: "POST" });
    expect(response.status).toBe(200);
  }
}

function balancedApi(apiId: string, overrides: { check_host_against_uptime_tests?: boolean; enable_load_balancing?: boolean; uptime?: object } = {}) {
  const { check_host_against_uptime_tests = true, enable_load_balancing = true, uptime = {} } = overrides;
  return keylessApi({
    api_id: apiId,
    org_id: "org-uptime",
    proxy: { listen_path: `/${apiId}/`, target_url: hosts[1], enable_load_balancing, target_list: hosts, check_host_against_uptime_tests },
    uptime_tests: { check_list: hosts.map((host) => ({ url: `${host}/health` })), config: { expire_utime_after: 3600 }, ...uptime },
  });
}

/** Log lines of a HostDown / HostUp event, parsed. */
function eventLines(spy: MockInstance<typeof console.warn>, event: string): Record<string, unknown>[] {
  return spy.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>).filter((line) => line["event"] === event);
}

async function uptimeRecords(match: (record: UptimeRecord) => boolean, count: number): Promise<UptimeRecord[]> {
  const read = async () => {
    const response = await env.ANALYTICS_CAPTURE.fetch("http://capture/messages?queue=portcullis-analytics");
    const messages = (await response.json()) as { body: { kind?: unknown } }[];
    return messages.filter((message) => message.body.kind === "uptime").map((message) => uptimeRecordSchema.parse(message.body));
  };
  const deadline = Date.now() + 5000;
  while ((await read()).filter(match).length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
  return (await read()).filter(match);
}

describe("uptime tests", () => {
  let warnings: MockInstance<typeof console.warn>;
  let infos: MockInstance<typeof console.log>;

  beforeEach(async () => {
    await setHosts("up", 0, 1, 2);
    warnings = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    infos = vi.spyOn(console, "log").mockImplementation(() => undefined);
  });

  afterEach(() => vi.restoreAllMocks());

  it("arms one checker per API whose uptime tests run, from the Cron Trigger", async () => {
    await loadApis(
      balancedApi("ut-armed"),
      balancedApi("ut-disabled", { uptime: { disabled: true } }),
      balancedApi("ut-tcp-only", { uptime: { check_list: [{ url: "127.0.0.1:6379", protocol: "tcp" }] } }),
      keylessApi({ api_id: "ut-none", proxy: { listen_path: "/ut-none/" } }),
    );
    const before = Date.now();
    await runCron();

    const armed = await runInDurableObject(checker("ut-armed"), async (_instance, state) => ({
      plan: state.storage.kv.get<{ checks: { url: string }[]; intervalMs: number; sampleSize: number }>(checkerKeys.plan),
      alarm: await state.storage.getAlarm(),
    }));
    expect(armed.plan).toMatchObject({ intervalMs: 600_000, sampleSize: 3, checks: hosts.map((host) => expect.objectContaining({ url: `${host}/health` })) });
    expect(armed.alarm).toBeGreaterThanOrEqual(before + 600_000);
    for (const apiId of ["ut-disabled", "ut-tcp-only", "ut-none"]) {
      const idle = await runInDurableObject(checker(apiId), async (_instance, state) => ({
        plan: state.storage.kv.get(checkerKeys.plan),
        alarm: await state.storage.getAlarm(),
      }));
      expect(idle, apiId).toEqual({ plan: undefined, alarm: null });
    }
  });

  it("marks a host down after three failed checks, passes over it, and takes it back after three good ones", async () => {
    await loadApis(balancedApi("ut-lb"));
    await runCron();
    await setHosts("down", 1);

    await runChecks("ut-lb", 2);
    expect(await checker("ut-lb").downHosts()).toEqual([]);
    expect(eventLines(warnings, "HostDown")).toEqual([]);
    expect(await servedBy("/ut-lb/x", 3)).toEqual(["h1", "h2 500", "h3"]);

    await runChecks("ut-lb", 1);
    expect(await checker("ut-lb").downHosts()).toEqual([hostOf(hosts[1]!)]);
    expect(eventLines(warnings, "HostDown")).toEqual([
      expect.objectContaining({ level: "warn", message: "Uptime test failed", api_id: "ut-lb", check_url: `${hosts[1]}/health`, response_code: 500 }),
    ]);
    // Tyk's turn moves by one per request and a down host hands its turn to the next one.
    expect(await servedBy("/ut-lb/x", 6)).toEqual(["h1", "h3", "h3", "h1", "h3", "h3"]);

    await setHosts("up", 1);
    await runChecks("ut-lb", 2);
    expect(await checker("ut-lb").downHosts()).toEqual([hostOf(hosts[1]!)]);
    expect(eventLines(infos, "HostUp")).toEqual([]);
    await runChecks("ut-lb", 1);
    expect(await checker("ut-lb").downHosts()).toEqual([]);
    expect(eventLines(infos, "HostUp")).toEqual([
      expect.objectContaining({ level: "info", message: "Uptime test succeeded", api_id: "ut-lb", response_code: 200 }),
    ]);
    expect(await servedBy("/ut-lb/x", 3)).toEqual(["h1", "h2", "h3"]);
  });

  it("keeps announcing a down host on every failed check, as Tyk fires HostDown", async () => {
    await loadApis(balancedApi("ut-repeat"));
    await runCron();
    await setHosts("down", 2);
    await runChecks("ut-repeat", 5);
    expect(eventLines(warnings, "HostDown").map((line) => line["check_url"])).toEqual([`${hosts[2]}/health`, `${hosts[2]}/health`, `${hosts[2]}/health`]);
  });

  it("answers Tyk's plain-text 503 when every target is down", async () => {
    await loadApis(balancedApi("ut-all-down"));
    await runCron();
    await setHosts("down", 0, 1, 2);
    await runChecks("ut-all-down", 3);

    const response = await send(freshBindings())("/ut-all-down/x");
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await response.text()).toBe("all hosts are down\n");
  });

  it("skips no host when check_host_against_uptime_tests is off, or load balancing is", async () => {
    await loadApis(balancedApi("ut-unchecked", { check_host_against_uptime_tests: false }), balancedApi("ut-single", { enable_load_balancing: false }));
    await runCron();
    await setHosts("down", 1);
    await runChecks("ut-unchecked", 3);
    await runChecks("ut-single", 3);
    expect(await checker("ut-unchecked").downHosts()).toEqual([hostOf(hosts[1]!)]);
    expect(await checker("ut-single").downHosts()).toEqual([hostOf(hosts[1]!)]);

    expect(await servedBy("/ut-unchecked/x", 3)).toEqual(["h1", "h2 500", "h3"]);
    // Without load balancing the target is target_url (h2), down or not: its own 500 comes back.
    expect(await servedBy("/ut-single/x", 2)).toEqual(["h2 500", "h2 500"]);
  });

  it("balances on the status an isolate read, without asking the checker again within the refresh interval", async () => {
    await loadApis(balancedApi("ut-refresh"));
    await runCron();
    const cached = freshBindings({ PORTCULLIS_HOST_STATUS_CHECK_SECONDS: "60" });
    expect(await servedBy("/ut-refresh/x", 3, cached)).toEqual(["h1", "h2", "h3"]);

    await setHosts("down", 1);
    await runChecks("ut-refresh", 3);
    expect(await servedBy("/ut-refresh/x", 3, cached)).toEqual(["h1", "h2 500", "h3"]);
    // With 0 s every request reads the checker first.
    expect(await servedBy("/ut-refresh/x", 3, freshBindings())).toEqual(["h1", "h3", "h3"]);
  });

  it("puts one uptime record per check result on the analytics queue", async () => {
    await loadApis(balancedApi("ut-records", { uptime: { check_list: [{ url: `${hosts[0]}/health` }, { url: `${hosts[1]}/health` }, { url: deadUrl }] } }));
    await runCron();
    await setHosts("down", 1);
    const before = Date.now();
    await runChecks("ut-records", 1);

    const records = await uptimeRecords((record) => record.api_id === "ut-records", 3);
    expect(records).toHaveLength(3);
    const byUrl = new Map(records.map((record) => [record.url, record]));
    expect(byUrl.get(`${hosts[0]}/health`)).toMatchObject({ response_code: 200, tcp_error: false, server_error: false, org_id: "org-uptime" });
    expect(byUrl.get(`${hosts[1]}/health`)).toMatchObject({ response_code: 500, tcp_error: false, server_error: true });
    expect(byUrl.get(deadUrl)).toMatchObject({ response_code: 521, tcp_error: true, server_error: false });
    for (const record of records) {
      const at = Date.parse(record.timestamp);
      expect(at).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(record.expireAt) - at).toBe(3600_000);
    }
  });

  it("without the HOST_CHECKER binding runs no checks, skips no host, and says so", async () => {
    await loadApis(balancedApi("ut-unbound"));
    await runCron();
    await setHosts("down", 1);
    await runChecks("ut-unbound", 3);
    const unbound = freshBindings();
    Reflect.deleteProperty(unbound, "HOST_CHECKER");

    await runCron(unbound);
    expect(warnings.mock.calls.map(([line]) => JSON.parse(String(line)))).toContainEqual(
      expect.objectContaining({ message: "uptime tests not run: the HOST_CHECKER Durable Object binding is missing", apis: ["ut-unbound"] }),
    );
    expect(await servedBy("/ut-unbound/x", 3, unbound)).toEqual(["h1", "h2 500", "h3"]);
  });

  it("neither arms checkers nor skips hosts when TYK_GW_UPTIMETESTS_DISABLE is set", async () => {
    await loadApis(balancedApi("ut-off"));
    await runCron();
    await setHosts("down", 1);
    await runChecks("ut-off", 3);
    await runInDurableObject(checker("ut-off"), (_instance, state) => state.storage.kv.put(checkerKeys.leaseUntil, Date.now() - 1));

    const off = freshBindings({ TYK_GW_UPTIMETESTS_DISABLE: "true" });
    await runCron(off);
    expect(await servedBy("/ut-off/x", 3, off)).toEqual(["h1", "h2 500", "h3"]);
    await runChecks("ut-off", 1);
    expect(await runInDurableObject(checker("ut-off"), (_instance, state) => state.storage.kv.get(checkerKeys.plan))).toBeUndefined();
  });

  it("lets the checker of a removed API stop when its lease runs out", async () => {
    await loadApis(balancedApi("ut-kept"), balancedApi("ut-removed"));
    await runCron();
    await loadApis(balancedApi("ut-kept"));
    await runCron();

    // Three minutes without the cron arming it: moved here by ageing both leases.
    for (const apiId of ["ut-kept", "ut-removed"]) {
      await runInDurableObject(checker(apiId), (_instance, state) => state.storage.kv.put(checkerKeys.leaseUntil, Date.now() - 1));
    }
    await runCron();
    await runChecks("ut-kept", 1);
    await runChecks("ut-removed", 1);

    const left = async (apiId: string) =>
      runInDurableObject(checker(apiId), async (_instance, state) => ({
        plan: state.storage.kv.get(checkerKeys.plan) !== undefined,
        alarm: await state.storage.getAlarm(),
      }));
    expect(await left("ut-kept")).toEqual({ plan: true, alarm: expect.any(Number) });
    expect(await left("ut-removed")).toEqual({ plan: false, alarm: null });
    expect(infos.mock.calls.map(([line]) => JSON.parse(String(line)))).toContainEqual(
      expect.objectContaining({ message: "uptime checker stopped: its API no longer has uptime tests", api_id: "ut-removed" }),
    );
  });
});
