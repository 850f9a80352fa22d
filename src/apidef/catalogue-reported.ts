import type { UnsupportedFeature } from "./catalogue";
import { endpointFeature, flagFeature, off, on } from "./catalogue-unsupported";
import { at, isSet, list, object } from "./raw-json";

/*
 * Tyk features Portcullis does not implement and that do not restrict who
 * may call the API: a definition using them is served, with a warning. Their
 * `active` conditions follow Tyk as in catalogue-unsupported.ts.
 */

type Definition = Record<string, unknown>;

/** Tyk reads the version from the request unless the API is unversioned (APISpec.getVersionFromRequest). */
const versioned = (definition: Definition): boolean => !off(at(definition, "version_data.not_versioned")) || on(at(definition, "definition.enabled"));
const urlVersioned = (definition: Definition): boolean => versioned(definition) && at(definition, "definition.location") === "url";

// Tyk serves these protocols over HTTP, as Workers do; "tcp" and "tls" are raw TCP services.
const httpProtocols = new Set(["", "http", "https", "h2c"]);

const honouredProcessors = new Set(["header_injector", "response_body_transform"]);

export const reportedFeatures: readonly UnsupportedFeature[] = [
  endpointFeature("JQ request transform", "transform_jq", false),
  endpointFeature("JQ response transform", "transform_jq_response", false),
  endpointFeature("Persisted GraphQL query", "persist_graphql", false),
  // It only caches the identity an auth_check plugin found; the plugin (honoured) runs on every request instead.
  {
    name: "Plugin ID extractor",
    fields: ["custom_middleware.id_extractor"],
    security: false,
    switch: "custom_middleware.id_extractor",
    active: (definition) =>
      !off(at(definition, "custom_middleware.id_extractor.disabled")) && isSet(at(definition, "custom_middleware.id_extractor.extract_with")),
  },
  {
    // Tyk then takes the checks from the service instead of check_list, and re-reads it `recheck_wait` seconds after a host goes down.
    name: "Uptime test service discovery",
    fields: ["uptime_tests.config.service_discovery", "uptime_tests.config.recheck_wait"],
    security: false,
    switch: "uptime_tests.config.service_discovery.use_discovery_service",
    active: (definition) => !off(at(definition, "uptime_tests.disabled")) && on(at(definition, "uptime_tests.config.service_discovery.use_discovery_service")),
  },
  {
    name: "Upstream transport configuration",
    fields: ["proxy.transport"],
    security: false,
    switch: "proxy.transport",
    active: (definition) => isSet(at(definition, "proxy.transport")),
  },
  // Keeps the target URL's own trailing slash when the request path is empty (singleJoiningSlash).
  flagFeature("Disabling slash stripping", "proxy.disable_strip_slash", false),
  {
    name: "Upstream mutual TLS",
    fields: ["upstream_certificates", "upstream_certificates_disabled"],
    security: false,
    switch: "upstream_certificates",
    active: (definition) => isSet(definition.upstream_certificates) && !off(definition.upstream_certificates_disabled),
  },
  flagFeature("Upstream authentication", "upstream_auth.enabled", false, ["upstream_auth"]),
  flagFeature("Request signing", "request_signing.is_enabled", false, ["request_signing"]),
  { name: "Custom listen port", fields: ["listen_port"], security: false, switch: "listen_port", active: (definition) => isSet(definition.listen_port) },
  {
    // The PROXY protocol flag is read only by TCP services.
    name: "TCP / TLS service",
    fields: ["protocol", "enable_proxy_protocol"],
    security: false,
    switch: "protocol",
    active: (definition) => isSet(definition.protocol) && !httpProtocols.has(String(definition.protocol)),
  },
  {
    name: "JSON-RPC error format",
    fields: ["json_rpc_version"],
    security: false,
    switch: "json_rpc_version",
    active: (definition) => isSet(definition.json_rpc_version),
  },
  {
    // Only where sessions are written changes; keys are still looked up in Portcullis's own store.
    name: "Session provider storage engine",
    fields: ["session_provider"],
    security: false,
    switch: "session_provider.storage_engine",
    active: (definition) => at(definition, "session_provider.storage_engine") === "rpc",
  },
  flagFeature("Batch request support", "enable_batch_request_support", false),
  {
    // A `header_injector` entry is honoured by the response header step, and `response_body_transform` is Tyk 5's no-op
    // (the response body transform runs for any enabled transform_response entry); any other processor is not.
    name: "Response processor",
    fields: ["response_processors"],
    security: false,
    switch: "response_processors",
    active: (definition) => list(definition.response_processors).some((processor) => !honouredProcessors.has(String(object(processor).name))),
  },
  flagFeature("Detailed recording", "enable_detailed_recording", false),
  flagFeature("Detailed tracing", "detailed_tracing", false),
  flagFeature("Analytics plugin", "analytics_plugin.enable", false, ["analytics_plugin"]),
  // Changes what the Gateway API does when a key is saved, not how requests are handled.
  flagFeature("Keeping quotas when keys are saved", "dont_set_quota_on_create", false),
  {
    // Cloudflare terminates TLS, so the API's own server certificates are never presented.
    name: "API TLS certificate",
    fields: ["certificates"],
    security: false,
    switch: "certificates",
    active: (definition) => isSet(definition.certificates) && !off(definition.domain_disabled),
  },

  {
    // With URL versioning Tyk drops a leading "/<slug>" before reading the version segment (getVersionFromRequest).
    name: "Slug prefix before a URL version",
    fields: ["slug"],
    security: false,
    switch: "slug",
    active: (definition) => urlVersioned(definition) && isSet(definition.slug),
  },
];
