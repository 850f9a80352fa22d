import { beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import type { DiscoveryAnswer } from "../support/discovery-server";
import { admin } from "../support/admin";
import { echoOf, gateway, keylessApi, loadApis, upstreamUrl } from "../support/gateway";

/*
 * proxy.service_discovery against a real loopback discovery service
 * (test/support/discovery-server.ts) that answers in Consul's and etcd's
 * shapes, names the loopback echo upstream, and counts its hits.
 */

const serviceUrl = (name: string) => `${inject("discoveryUrl")}/${name}`;

async function answer(name: string, reply: DiscoveryAnswer): Promise<void> {
  const response = await fetch(serviceUrl(name), { method: "PUT", body: JSON.stringify(reply) });
  if (response.status !== 204) throw new Error(`discovery server: ${response.status}`);
}

async function hits(name: string): Promise<number> {
  return ((await (await fetch(`${serviceUrl(name)}/hits`)).json()) as { count: number }).count;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `read` gives `expected`, for at most a second. */
async function eventually<T>(read: () => Promise<T>, expected: T): Promise<T> {
  let value = await read();
  for (let waited = 0; value !== expected && waited < 1000; waited += 25) {
    await sleep(25);
    value = await read();
  }
  return value;
}

const upstream = new URL(upstreamUrl());
const etcdValue = (value: string) => ({ body: { action: "get", node: { key: "/services/web", value } } });
const etcdNodes = (...values: string[]) => ({ body: { action: "get", node: { key: "/services", dir: true, nodes: values.map((value) => ({ value })) } } });
const pathOf = async (path: string) => (await echoOf(await gateway(path))).path;

/** A keyless API whose targets come from the named discovery service; `target_url` is the fallback, told apart by its path. */
function discoveredApi(name: string, discovery: Record<string, unknown>, proxy: Record<string, unknown> = {}) {
  return keylessApi({
    api_id: name,
    proxy: {
      listen_path: `/${name}/`,
      target_url: `${upstreamUrl()}/fallback`,
      ...proxy,
      service_discovery: { use_discovery_service: true, query_endpoint: serviceUrl(name), ...discovery },
    },
  });
}

const etcdSingle = { data_path: "node.value" };
const etcdList = { use_target_list: true, parent_data_path: "node.nodes", data_path: "value" };

describe("service discovery", () => {
  beforeAll(async () => {
    await answer("consul", {
      body: [{ Node: "n1", Service: { Service: "web", Address: upstream.hostname, Port: Number(upstream.port) } }],
    });
    await answer("consul-kv", { body: [{ Key: "web", Value: null, Data: JSON.stringify({ hostname: upstream.hostname, port: upstream.port }) }] });
    await answer("balanced", etcdNodes(`${upstreamUrl()}/one`, `${upstream.host}/two`));
    await answer("first-only", etcdNodes(`${upstreamUrl()}/one`, `${upstreamUrl()}/two`));
    await answer("cached", etcdValue(`${upstreamUrl()}/v1`));
    await answer("flaky", etcdValue(`${upstreamUrl()}/good`));
    await answer("down", { drop: true });
    await answer("empty", { body: { action: "get", node: { key: "/services/web" } } });
    await answer("slow", { ...etcdValue(`${upstreamUrl()}/slow`), delayMs: 200 });
    await loadApis(
      discoveredApi(
        "consul",
        { endpoint_returns_list: true, use_target_list: true, data_path: "Service.Address", port_data_path: "Service.Port", target_path: "/consul" },
        { enable_load_balancing: true },
      ),
      discoveredApi("consul-kv", {
        endpoint_returns_list: true,
        use_nested_query: true,
        parent_data_path: "Data",
        data_path: "hostname",
        port_data_path: "port",
        target_path: "/kv",
      }),
      discoveredApi("balanced", etcdList, { enable_load_balancing: true }),
      discoveredApi("first-only", etcdList),
      discoveredApi("cached", { ...etcdSingle, cache_timeout: 1 }),
      discoveredApi("flaky", { ...etcdSingle, cache_timeout: 1 }),
      discoveredApi("down", { ...etcdSingle, cache_timeout: 1 }),
      discoveredApi("empty", { ...etcdSingle, cache_timeout: 1 }),
      discoveredApi("slow", etcdSingle),
      {
        ...discoveredApi("timed", etcdSingle),
        version_data: {
          not_versioned: true,
          versions: {
            Default: { name: "Default", use_extended_paths: true, extended_paths: { hard_timeouts: [{ path: "/delay/{ms}", method: "GET", timeout: 1 }] } },
          },
        },
      },
    );
  });

  it("sends requests to the host:port a Consul list names, with target_path before the request path", async () => {
    expect(await pathOf("/consul/things?q=1")).toBe("/consul/things?q=1");
    expect(await hits("consul")).toBe(1);
  });

  it("reads a host held as a JSON string inside each entry (use_nested_query)", async () => {
    expect(await pathOf("/consul-kv/x")).toBe("/kv/x");
  });

  it("spreads requests round-robin over a discovered list, adding http:// to a bare host", async () => {
    const paths = [];
    for (let i = 0; i < 4; i++) paths.push(await pathOf("/balanced/x"));
    expect(paths).toEqual(["/one/x", "/two/x", "/one/x", "/two/x"]);
  });

  it("uses only the first discovered host without enable_load_balancing, as Tyk does", async () => {
    for (let i = 0; i < 3; i++) expect(await pathOf("/first-only/x")).toBe("/one/x");
  });

  it("asks the discovery service again only after cache_timeout, serving the cached list meanwhile", async () => {
    expect(await pathOf("/cached/a")).toBe("/v1/a");
    await answer("cached", etcdValue(`${upstreamUrl()}/v2`));
    for (let i = 0; i < 3; i++) expect(await pathOf("/cached/a")).toBe("/v1/a");
    expect(await hits("cached")).toBe(1);
    await sleep(1100);
    // Expired: this request still gets the cached list while the refresh runs behind it.
    expect(await pathOf("/cached/a")).toBe("/v1/a");
    expect(await eventually(() => hits("cached"), 2)).toBe(2);
    expect(await eventually(() => pathOf("/cached/a"), "/v2/a")).toBe("/v2/a");
  });

  it("keeps the last good list while the discovery service fails", async () => {
    expect(await pathOf("/flaky/a")).toBe("/good/a");
    await answer("flaky", { status: 500, body: "consul is down" });
    await sleep(1100);
    expect(await pathOf("/flaky/a")).toBe("/good/a");
    expect(await eventually(() => hits("flaky"), 2)).toBe(2);
    expect(await pathOf("/flaky/a")).toBe("/good/a");
    // A failed refresh is retried after min(cache_timeout, 5 s): here 1 s.
    await answer("flaky", { body: "not json" });
    await sleep(1100);
    expect(await pathOf("/flaky/a")).toBe("/good/a");
    expect(await eventually(() => hits("flaky"), 3)).toBe(3);
    expect(await pathOf("/flaky/a")).toBe("/good/a");
    await answer("flaky", etcdValue(`${upstreamUrl()}/back`));
    await sleep(1100);
    expect(await eventually(() => pathOf("/flaky/a"), "/back/a")).toBe("/back/a");
  });

  it("asks the discovery service again after a discovered host reaches its hard timeout, as Tyk does", async () => {
    await answer("timed", etcdValue(upstreamUrl()));
    expect((await gateway("/timed/status/200")).status).toBe(200);
    expect((await gateway("/timed/status/200")).status).toBe(200);
    expect(await hits("timed")).toBe(1);
    expect((await gateway("/timed/delay/3000")).status).toBe(504);
    expect((await gateway("/timed/status/200")).status).toBe(200);
    expect(await eventually(() => hits("timed"), 2)).toBe(2);
  });

  it("falls back to target_url before any good list, without asking again on every request", async () => {
    expect(await pathOf("/down/a")).toBe("/fallback/a");
    expect(await pathOf("/down/a")).toBe("/fallback/a");
    expect(await hits("down")).toBe(1);
    expect(await pathOf("/empty/a")).toBe("/fallback/a");
  });

  it("asks once for concurrent first requests", async () => {
    const paths = await Promise.all(Array.from({ length: 5 }, () => pathOf("/slow/a")));
    expect(paths).toEqual(Array(5).fill("/slow/a"));
    expect(await hits("slow")).toBe(1);
  });
});

describe("service discovery definitions", () => {
  const definition = (discovery: Record<string, unknown>) =>
    keylessApi({ api_id: "sd-def", proxy: { service_discovery: { use_discovery_service: true, ...discovery } } });

  it("are refused without a usable query endpoint or data path", async () => {
    const reasons = async (discovery: Record<string, unknown>) => ((await admin("POST", "/apis", definition(discovery))).body as { message: string }).message;
    expect(await reasons({ data_path: "node.value" })).toBe(
      "Validation of API Definition failed. Reason: proxy.service_discovery.query_endpoint: must be an absolute http(s) URL when use_discovery_service is on.",
    );
    expect(await reasons({ query_endpoint: "file:///etc/hosts", data_path: "node.value" })).toMatch(/query_endpoint: must be an absolute http\(s\) URL/);
    expect(await reasons({ query_endpoint: serviceUrl("x") })).toMatch(/proxy\.service_discovery\.data_path: must name the host's field/);
    expect(await reasons({ query_endpoint: serviceUrl("x"), data_path: "hostname", use_nested_query: true })).toMatch(
      /proxy\.service_discovery\.parent_data_path: must name the field holding the nested JSON/,
    );
    expect(await reasons({ query_endpoint: serviceUrl("x"), data_path: "node.value", cache_timeout: "10" })).toMatch(/cache_timeout/);
  });

  it("are honoured: a valid one is accepted without warnings", async () => {
    const reply = await admin(
      "POST",
      "/apis",
      definition({ query_endpoint: serviceUrl("x"), data_path: "node.value", cache_timeout: 30, cache_disabled: true }),
    );
    expect(reply).toMatchObject({ status: 200, body: { status: "ok", warnings: [] } });
  });
});
