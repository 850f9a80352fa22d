import * as z from "zod";
import { ServiceDiscovery } from "../proxy/discovery";
import { serviceDiscoverySchema } from "../proxy/discovery-parse";

/*
 * `proxy.service_discovery`: the fields the reverse proxy reads to find its
 * targets at a discovery service (Consul, etcd, Eureka, ...) instead of the
 * definition. The proxy step owns the result (src/features/proxy.ts): the
 * discovered list goes through its round-robin Balancer like `target_list`.
 */

export const serviceDiscoveryFields = z.looseObject({
  // Read, not honoured here (the catalogue's TCP / TLS entry and the core own them): Tyk's
  // EnsureTransport gives a scheme-less host the API's protocol, and only load balancing rotates hosts.
  protocol: z.unknown().optional(),
  proxy: z
    .looseObject({
      enable_load_balancing: z.boolean().default(false),
      service_discovery: serviceDiscoverySchema.prefault({}),
    })
    .prefault({}),
});

export const serviceDiscoveryHonours = [
  "use_discovery_service",
  "query_endpoint",
  "use_nested_query",
  "parent_data_path",
  "data_path",
  "port_data_path",
  "target_path",
  "use_target_list",
  "cache_disabled",
  "cache_timeout",
  "endpoint_returns_list",
].map((field) => `proxy.service_discovery.${field}`);

/** The API's discovery cache, shared by its versions; undefined when `use_discovery_service` is off. */
export function serviceDiscoveryOf(definition: z.output<typeof serviceDiscoveryFields>): ServiceDiscovery | undefined {
  const { service_discovery: config, enable_load_balancing: loadBalanced } = definition.proxy;
  if (!config.use_discovery_service) return undefined;
  return new ServiceDiscovery(config, { scheme: definition.protocol === "https" ? "https" : "http", loadBalanced });
}
