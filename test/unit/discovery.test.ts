import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { RequestContext } from "../../src/chain/context";
import { isolateLogger } from "../../src/lib/logger";
import { cacheLifetimeMs, ServiceDiscovery } from "../../src/proxy/discovery";
import { DiscoveryAnswerError, discoveredHosts, parseDiscoveryAnswer, serviceDiscoverySchema, targetUrl, valueAt } from "../../src/proxy/discovery-parse";

/* The answer shapes of gateway/service_discovery_test.go (Consul, etcd, Eureka, Marathon), with values of our own. */

const config = (fields: Record<string, unknown>) => serviceDiscoverySchema.parse({ use_discovery_service: true, query_endpoint: "http://sd.test/", ...fields });

const consulCatalog = [
  { Node: "n1", Address: "10.0.0.21", ServiceName: "web", ServicePort: 8080 },
  { Node: "n2", Address: "10.0.0.22", ServiceName: "web", ServicePort: 8081 },
];
const consulHealth = [{ Service: { Address: "10.0.0.31", Port: 9000 } }, { Service: { Address: "10.0.0.32", Port: 9001 } }];
const consulKvNested = [
  { Name: "a", Data: JSON.stringify({ hostname: "one.internal", port: "81" }) },
  { Name: "b", Data: JSON.stringify({ hostname: "two.internal", port: "82" }) },
];
const etcdSingle = { action: "get", node: { key: "/services/web", value: "web.internal:7000", modifiedIndex: 3 } };
const etcdNested = { action: "get", node: { key: "/services/web", value: JSON.stringify({ hostname: "nested.internal", port: "88" }) } };
const etcdNestedList = {
  action: "get",
  node: {
    key: "/services/web",
    value: JSON.stringify([
      { hostname: "l1.internal", port: "91" },
      { hostname: "l2.internal", port: 92 },
    ]),
  },
};
const etcdDirectory = {
  action: "get",
  node: {
    key: "/services",
    dir: true,
    nodes: [
      { key: "/services/a", value: "a.internal:1" },
      { key: "/services/b", value: "http://b.internal:2" },
    ],
  },
};
const marathon = { tasks: [{ id: "web.1", host: "task.internal", ports: [31000, 31001], appId: "/web" }] };
const eureka = {
  application: {
    name: "WEB",
    instance: [
      { hostName: "eu-1", port: { "@enabled": "true", $: "50001" }, status: "UP" },
      { hostName: "eu-2", port: { "@enabled": "true", $: "50002" }, status: "UP" },
    ],
  },
};

describe("Tyk's dotted paths", () => {
  const doc = { a: { "b.c": 1, "d~e": 2, list: [{ x: "first" }, { x: "second" }, { y: "other" }] } };

  it("walks keys, escaped dots and tildes, and array indexes", () => {
    expect(valueAt(doc, "a.b~1c")).toBe(1);
    expect(valueAt(doc, "a.d~0e")).toBe(2);
    expect(valueAt(doc, "a.list.1.x")).toBe("second");
    expect(valueAt(doc, "a.list.7.x")).toBeUndefined();
    expect(valueAt(doc, "a.list.x")).toBeUndefined();
    expect(valueAt(doc, "a.missing")).toBeUndefined();
    expect(valueAt(doc, "")).toBeUndefined();
  });

  it("collects a wildcard over every element that has the rest of the path", () => {
    expect(valueAt(doc, "a.list.*.x")).toEqual(["first", "second"]);
    expect(valueAt(doc, "a.list.*.z")).toBeUndefined();
    expect(valueAt(doc, "a.list.*")).toHaveLength(3);
  });
});

describe("discovered hosts", () => {
  it("Consul catalog: a list answer, one host per entry with its port", () => {
    const sd = config({ endpoint_returns_list: true, use_target_list: true, data_path: "Address", port_data_path: "ServicePort" });
    expect(discoveredHosts(consulCatalog, sd)).toEqual(["10.0.0.21:8080", "10.0.0.22:8081"]);
  });

  it("Consul health: nested paths inside each entry", () => {
    const sd = config({ endpoint_returns_list: true, use_target_list: true, data_path: "Service.Address", port_data_path: "Service.Port" });
    expect(discoveredHosts(consulHealth, sd)).toEqual(["10.0.0.31:9000", "10.0.0.32:9001"]);
  });

  it("Consul KV: each entry holds its host as a JSON string", () => {
    const sd = config({
      endpoint_returns_list: true,
      use_target_list: true,
      use_nested_query: true,
      parent_data_path: "Data",
      data_path: "hostname",
      port_data_path: "port",
    });
    expect(discoveredHosts(consulKvNested, sd)).toEqual(["one.internal:81", "two.internal:82"]);
  });

  it("etcd: one value", () => {
    expect(discoveredHosts(etcdSingle, config({ data_path: "node.value" }))).toEqual(["web.internal:7000"]);
    // Tyk finds no host here: a target list without a parent path reads the answer as its one entry.
    expect(discoveredHosts(etcdSingle, config({ data_path: "node.value", use_target_list: true }))).toEqual(["web.internal:7000"]);
  });

  it("etcd: a nested JSON object, or a nested JSON list with use_target_list", () => {
    const nested = { use_nested_query: true, parent_data_path: "node.value", data_path: "hostname", port_data_path: "port" };
    expect(discoveredHosts(etcdNested, config(nested))).toEqual(["nested.internal:88"]);
    expect(discoveredHosts(etcdNestedList, config({ ...nested, use_target_list: true }))).toEqual(["l1.internal:91", "l2.internal:92"]);
    expect(discoveredHosts(etcdNestedList, config(nested))).toEqual(["l1.internal:91"]);
  });

  it("etcd directory: the children under parent_data_path", () => {
    const sd = config({ use_target_list: true, parent_data_path: "node.nodes", data_path: "value" });
    expect(discoveredHosts(etcdDirectory, sd)).toEqual(["a.internal:1", "http://b.internal:2"]);
  });

  it("Marathon: the first of a list of ports", () => {
    const sd = config({ use_target_list: true, parent_data_path: "tasks", data_path: "host", port_data_path: "ports" });
    expect(discoveredHosts(marathon, sd)).toEqual(["task.internal:31000"]);
  });

  it("Eureka: a port inside an object", () => {
    const sd = config({ use_target_list: true, parent_data_path: "application.instance", data_path: "hostName", port_data_path: "port.$" });
    expect(discoveredHosts(eureka, sd)).toEqual(["eu-1:50001", "eu-2:50002"]);
  });

  it("keeps only the first host without use_target_list, and appends target_path to each host", () => {
    const sd = { endpoint_returns_list: true, data_path: "Address", port_data_path: "ServicePort", target_path: "/api/v2" };
    expect(discoveredHosts(consulCatalog, config(sd))).toEqual(["10.0.0.21:8080/api/v2"]);
    expect(discoveredHosts(consulCatalog, config({ ...sd, use_target_list: true }))).toEqual(["10.0.0.21:8080/api/v2", "10.0.0.22:8081/api/v2"]);
  });

  it("skips entries without a string host, and leaves the port off when there is none", () => {
    const sd = config({ endpoint_returns_list: true, use_target_list: true, data_path: "Address", port_data_path: "ServicePort" });
    expect(discoveredHosts([{ Address: 7 }, { Address: "" }, { Address: "bare.internal" }, { Address: "flag.internal", ServicePort: true }], sd)).toEqual([
      "bare.internal",
      "flag.internal",
    ]);
    expect(discoveredHosts({ node: { value: "{not json" } }, config({ use_nested_query: true, parent_data_path: "node.value", data_path: "h" }))).toEqual([]);
  });

  it("refuses a body that is not JSON, or not a list when endpoint_returns_list is on", () => {
    expect(() => parseDiscoveryAnswer("<html>", config({ data_path: "node.value" }))).toThrow(DiscoveryAnswerError);
    expect(() => parseDiscoveryAnswer(JSON.stringify(etcdSingle), config({ endpoint_returns_list: true, data_path: "Address" }))).toThrow(/not a JSON array/);
    expect(parseDiscoveryAnswer(JSON.stringify(etcdSingle), config({ data_path: "node.value" }))).toEqual(["web.internal:7000"]);
  });
});

describe("discovered hosts as target URLs", () => {
  it("adds the API's scheme to a bare host, keeps a full URL, reads h2c as http", () => {
    expect(targetUrl("127.0.0.1:8080/api", "http")?.href).toBe("http://127.0.0.1:8080/api");
    expect(targetUrl(" secure.internal ", "https")?.href).toBe("https://secure.internal/");
    expect(targetUrl("https://full.internal:9/x", "http")?.href).toBe("https://full.internal:9/x");
    expect(targetUrl("h2c://grpc.internal:50051", "http")?.href).toBe("http://grpc.internal:50051/");
  });

  it("refuses what is not an http(s) URL", () => {
    expect(targetUrl("ftp://files.internal", "http")).toBeNull();
    expect(targetUrl("host:notaport", "http")).toBeNull();
  });
});

describe("the service_discovery fields", () => {
  it("accept anything while discovery is off, and Tyk's all-zero export", () => {
    expect(serviceDiscoverySchema.safeParse({ use_discovery_service: false, cache_timeout: 10 }).success).toBe(true);
    expect(serviceDiscoverySchema.safeParse({}).success).toBe(true);
  });

  it("need an http(s) query endpoint, a data path, and a parent path for nested queries when on", () => {
    const issues = (fields: Record<string, unknown>) =>
      serviceDiscoverySchema.safeParse({ use_discovery_service: true, ...fields }).error?.issues.map((issue) => issue.path.join("."));
    expect(issues({ data_path: "a" })).toEqual(["query_endpoint"]);
    expect(issues({ query_endpoint: "ftp://x/", data_path: "a" })).toEqual(["query_endpoint"]);
    expect(issues({ query_endpoint: "http://sd.test/" })).toEqual(["data_path"]);
    expect(issues({ query_endpoint: "http://sd.test/", data_path: "a", use_nested_query: true })).toEqual(["parent_data_path"]);
    expect(issues({ query_endpoint: "https://sd.test/v1", data_path: "a" })).toBeUndefined();
  });

  it("cache a list for cache_timeout seconds, or Tyk's 120 s default when it is 0 or the cache is disabled", () => {
    expect(cacheLifetimeMs(config({ data_path: "a", cache_timeout: 10 }))).toBe(10_000);
    expect(cacheLifetimeMs(config({ data_path: "a" }))).toBe(120_000);
    expect(cacheLifetimeMs(config({ data_path: "a", cache_timeout: 10, cache_disabled: true }))).toBe(120_000);
  });
});

describe("the discovery cache", () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ["Date"] }));
  afterEach(() => vi.useRealTimers());

  /* A scripted discovery service and a request context that keeps what it is asked to wait for. */
  function harness(answers: (() => Response)[]) {
    let calls = 0;
    const fetcher = (async () => {
      calls += 1;
      const next = answers.shift();
      if (!next) throw new Error("unreachable");
      return next();
    }) as typeof fetch;
    const background: Promise<unknown>[] = [];
    const ctx = { log: isolateLogger, waitUntil: (promise: Promise<unknown>) => background.push(promise) } as unknown as RequestContext;
    const discovery = new ServiceDiscovery(config({ data_path: "node.value", cache_timeout: 10 }), { scheme: "http", loadBalanced: true }, fetcher);
    const hosts = async () => (await discovery.current(ctx))?.map((url) => url.host);
    return { discovery, hosts, calls: () => calls, settle: () => Promise.all(background.splice(0)) };
  }
  const etcd = (value: string) => () => Response.json({ node: { value } });

  it("keeps a list for cache_timeout, then serves it while one refresh runs", async () => {
    const { hosts, calls, settle } = harness([etcd("a.internal"), etcd("b.internal")]);
    expect(await hosts()).toEqual(["a.internal"]);
    vi.advanceTimersByTime(9_999);
    expect(await hosts()).toEqual(["a.internal"]);
    expect(calls()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(await hosts()).toEqual(["a.internal"]);
    expect(await hosts()).toEqual(["a.internal"]);
    await settle();
    expect(calls()).toBe(2);
    expect(await hosts()).toEqual(["b.internal"]);
  });

  it("refreshes on the next request after drop()", async () => {
    const { discovery, hosts, calls, settle } = harness([etcd("a.internal"), etcd("b.internal")]);
    await hosts();
    discovery.drop();
    await hosts();
    await settle();
    expect(calls()).toBe(2);
    expect(await hosts()).toEqual(["b.internal"]);
  });

  it("has no list while the service fails, and asks again only after the retry wait", async () => {
    const { hosts, calls } = harness([() => new Response("down", { status: 503 }), () => Response.json({ node: {} }), etcd("a.internal")]);
    expect(await hosts()).toBeUndefined();
    expect(await hosts()).toBeUndefined();
    expect(calls()).toBe(1);
    vi.advanceTimersByTime(5_000);
    expect(await hosts()).toBeUndefined();
    vi.advanceTimersByTime(5_000);
    expect(await hosts()).toEqual(["a.internal"]);
    expect(calls()).toBe(3);
  });
});
