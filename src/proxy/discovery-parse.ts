import * as z from "zod";

/*
 * Tyk's service discovery answers (gateway/service_discovery.go), pure: from
 * the body a Consul / etcd / Eureka / Marathon endpoint returned to the list
 * of hosts Tyk would load balance over. Shared by the proxy and, later, the
 * uptime tests (`uptime_tests.config.service_discovery` has the same shape).
 *
 * Paths are Tyk's (gabs) dotted paths: `.` separates keys, `~1` is a literal
 * dot and `~0` a tilde; in an array a segment is an index, or `*` for every
 * element. Where Tyk finds no host for a combination of switches, the
 * obvious reading is taken instead: a target list without a parent path, or
 * a nested object in a target list, is one entry; a nested list without
 * `use_target_list` gives its first host.
 */

const isOn = (config: { use_discovery_service: boolean }) => config.use_discovery_service;

/** `proxy.service_discovery` (and `uptime_tests.config.service_discovery`), with Tyk's zero values. */
export const serviceDiscoverySchema = z
  .looseObject({
    use_discovery_service: z.boolean().default(false),
    query_endpoint: z.string().default(""),
    use_nested_query: z.boolean().default(false),
    parent_data_path: z.string().default(""),
    data_path: z.string().default(""),
    port_data_path: z.string().default(""),
    target_path: z.string().default(""),
    use_target_list: z.boolean().default(false),
    cache_disabled: z.boolean().default(false),
    cache_timeout: z.number().int().default(0),
    endpoint_returns_list: z.boolean().default(false),
  })
  .superRefine((config, ctx) => {
    if (!isOn(config)) return;
    if (!/^https?:$/.test(URL.parse(config.query_endpoint)?.protocol ?? "")) {
      ctx.addIssue({ code: "custom", path: ["query_endpoint"], message: "must be an absolute http(s) URL when use_discovery_service is on" });
    }
    if (config.data_path === "") {
      ctx.addIssue({ code: "custom", path: ["data_path"], message: "must name the host's field when use_discovery_service is on" });
    }
    if (config.use_nested_query && config.parent_data_path === "") {
      ctx.addIssue({ code: "custom", path: ["parent_data_path"], message: "must name the field holding the nested JSON when use_nested_query is on" });
    }
  });

export type ServiceDiscoveryConfig = z.output<typeof serviceDiscoverySchema>;

/** A discovery answer that cannot be read; the caller keeps its last good list. */
export class DiscoveryAnswerError extends Error {
  override name = "DiscoveryAnswerError";
}

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

function segmentsOf(path: string): string[] {
  return path.split(".").map((segment) => segment.replace(/~[01]/g, (escaped) => (escaped === "~1" ? "." : "~")));
}

function search(value: unknown, segments: readonly string[]): unknown {
  let current = value;
  for (const [index, segment] of segments.entries()) {
    if (Array.isArray(current)) {
      if (segment === "*") {
        const rest = segments.slice(index + 1);
        const found = rest.length === 0 ? current : current.map((item) => search(item, rest)).filter((item) => item !== undefined);
        return found.length > 0 ? found : undefined;
      }
      if (!/^[+-]?\d+$/.test(segment)) return undefined;
      current = current[Number(segment)];
    } else if (isObject(current) && Object.hasOwn(current, segment)) {
      current = current[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

/** The value at a Tyk dotted path, or undefined when the path leads nowhere. */
export function valueAt(root: unknown, path: string): unknown {
  return search(root, segmentsOf(path));
}

/** Tyk reads a port as a string or a number, taking the first of a list (Marathon's `ports`). */
function portOf(value: unknown): string | undefined {
  const port = Array.isArray(value) ? value[0] : value;
  if (typeof port === "string") return port;
  if (typeof port === "number" && Number.isFinite(port)) return String(Math.trunc(port));
  return undefined;
}

function hostOf(scope: unknown, config: ServiceDiscoveryConfig): string | undefined {
  const host = valueAt(scope, config.data_path);
  if (typeof host !== "string" || host === "") return undefined;
  const port = config.port_data_path === "" ? undefined : portOf(valueAt(scope, config.port_data_path));
  return port === undefined || port === "" ? host : `${host}:${port}`;
}

/** The JSON document held as a string at `parent_data_path` (etcd's `node.value`, a Consul KV's `Data`), as entries. */
function nestedEntries(scope: unknown, config: ServiceDiscoveryConfig): unknown[] {
  const text = valueAt(scope, config.parent_data_path);
  if (typeof text !== "string") return [];
  try {
    const nested: unknown = JSON.parse(text);
    return Array.isArray(nested) ? nested : [nested];
  } catch {
    return [];
  }
}

function childrenOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return isObject(value) ? Object.values(value) : [];
}

/** The objects each holding one host at `data_path` (and its port at `port_data_path`). */
function entriesOf(answer: unknown, config: ServiceDiscoveryConfig): unknown[] {
  if (config.endpoint_returns_list) return childrenOf(answer).flatMap((item) => (config.use_nested_query ? nestedEntries(item, config) : [item]));
  if (config.use_nested_query) return nestedEntries(answer, config);
  if (config.use_target_list && config.parent_data_path !== "") return childrenOf(valueAt(answer, config.parent_data_path));
  return [answer];
}

/**
 * The hosts in a parsed answer, each `host[:port]` (or a full URL, as the
 * service stored it) followed by `target_path`: every one with
 * `use_target_list`, else the first, as Tyk's HostList. Entries without a
 * host are skipped, where Tyk would keep an empty one.
 */
export function discoveredHosts(answer: unknown, config: ServiceDiscoveryConfig): string[] {
  const hosts = entriesOf(answer, config)
    .map((entry) => hostOf(entry, config))
    .filter((host) => host !== undefined)
    .map((host) => host + config.target_path);
  return config.use_target_list ? hosts : hosts.slice(0, 1);
}

const jsonText = z.string().transform((text, ctx): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    ctx.addIssue({ code: "custom", message: "the answer is not JSON" });
    return z.NEVER;
  }
});
const listAnswer = jsonText.pipe(z.array(z.unknown(), "the answer is not a JSON array (endpoint_returns_list is on)"));

/** The hosts in a discovery endpoint's body; throws DiscoveryAnswerError when it is not JSON of the expected shape. */
export function parseDiscoveryAnswer(body: string, config: ServiceDiscoveryConfig): string[] {
  const parsed = (config.endpoint_returns_list ? listAnswer : jsonText).safeParse(body);
  if (!parsed.success) throw new DiscoveryAnswerError(parsed.error.issues.map((issue) => issue.message).join("; "));
  return discoveredHosts(parsed.data, config);
}

/**
 * A discovered host as a target URL, as Tyk's EnsureTransport: without a
 * scheme it gets the API's (`https` for `protocol: "https"`, else `http`);
 * `h2c://` is plain HTTP. Null when it is not an http(s) URL.
 */
export function targetUrl(host: string, scheme: "http" | "https"): URL | null {
  const trimmed = host.trim();
  const absolute = (trimmed.includes("://") ? trimmed : `${scheme}://${trimmed}`).replace(/^h2c:\/\//i, "http://");
  const url = URL.parse(absolute);
  return url && (url.protocol === "http:" || url.protocol === "https:") ? url : null;
}
