import type { OasIssue } from "./document";
import { operationEntries, uncheckedMediaTypes } from "./operation-entries";
import type { OasGlobalMiddleware } from "./schema-middleware";
import type { OasDocument } from "./schema";
import { authenticationToClassic } from "./to-classic-auth";
import { type ExtendedPaths, locateOperations, operationToClassic, pushEntry } from "./to-classic-operations";
import { errorOverridesToClassic, mappedGlobalPluginFields, pluginsToClassic } from "./to-classic-plugins";
import { uptimeTestsToClassic } from "./to-classic-uptime";
import { UnmappedFields, type UnmappedField } from "./unmapped";
import { versioningToClassic } from "./versioning";

/*
 * A Tyk OAS document to the classic API definition every feature reads: the
 * one compiled model. Fields with no classic equivalent are listed as
 * unmapped (by JSON path) instead of being dropped; the compile path turns
 * them into warnings, and security-relevant ones into a refusal to serve.
 * The converted definition never carries `is_oas`: it is the classic half,
 * complete, not a classic definition waiting for its OAS part.
 */

type Classic = Record<string, unknown>;

export interface OasConversion {
  definition: Classic;
  unmapped: UnmappedField[];
  /** Problems that make the document unusable (an operation that does not exist, a `$ref` that does not resolve). */
  issues: OasIssue[];
}

const extension = "$.x-tyk-api-gateway";

function globalToVersion(global: OasGlobalMiddleware | undefined): Classic {
  const version: Classic = {};
  if (!global) return version;
  const request = global.transformRequestHeaders;
  if (request?.enabled) {
    version.global_headers = Object.fromEntries((request.add ?? []).map((header) => [header.name, header.value]));
    version.global_headers_remove = request.remove ?? [];
  }
  const response = global.transformResponseHeaders;
  if (response?.enabled) {
    version.global_response_headers = Object.fromEntries((response.add ?? []).map((header) => [header.name, header.value]));
    version.global_response_headers_remove = response.remove ?? [];
  }
  if (global.requestSizeLimit?.enabled) version.global_size_limit = global.requestSizeLimit.value;
  if (global.ignoreCase?.enabled) version.ignore_endpoint_case = true;
  return version;
}

function globalToApi(global: OasGlobalMiddleware | undefined, unmapped: UnmappedFields): Classic {
  const api: Classic = {};
  if (!global) return api;
  const cors = global.cors;
  if (cors) {
    api.CORS = {
      enable: cors.enabled,
      max_age: cors.maxAge ?? 0,
      allow_credentials: cors.allowCredentials ?? false,
      exposed_headers: cors.exposedHeaders ?? [],
      allowed_headers: cors.allowedHeaders ?? [],
      options_passthrough: cors.optionsPassthrough ?? false,
      debug: cors.debug ?? false,
      allowed_origins: cors.allowedOrigins ?? [],
      allowed_methods: cors.allowedMethods ?? [],
    };
  }
  const cache = global.cache;
  if (cache) {
    api.cache_options = {
      enable_cache: cache.enabled ?? false,
      cache_timeout: cache.timeout ?? 0,
      cache_all_safe_requests: cache.cacheAllSafeRequests ?? false,
      cache_response_codes: cache.cacheResponseCodes ?? [],
      cache_by_headers: cache.cacheByHeaders ?? [],
      enable_upstream_cache_control: cache.enableUpstreamCacheControl ?? false,
      cache_control_ttl_header: cache.controlTTLHeaderName ?? "",
    };
  }
  if (global.contextVariables) api.enable_context_vars = global.contextVariables.enabled;
  if (global.trafficLogs) {
    api.do_not_track = !global.trafficLogs.enabled;
    if (global.trafficLogs.tagHeaders) api.tag_headers = global.trafficLogs.tagHeaders;
  }
  if (global.skipRateLimit) api.disable_rate_limit = true;
  if (global.skipQuota) api.disable_quota = true;
  if (global.skipQuotaReset) api.dont_set_quota_on_create = true;
  const mapped = ["cors", "cache", "contextVariables", "trafficLogs", "skipRateLimit", "skipQuota", "skipQuotaReset", ...mappedGlobalPluginFields];
  unmapped.rest(`${extension}.middleware.global`, global, [...mapped, "transformRequestHeaders", "transformResponseHeaders", "requestSizeLimit", "ignoreCase"]);
  return api;
}

function upstreamToProxy(document: OasDocument, unmapped: UnmappedFields): Classic {
  const { server, upstream } = document["x-tyk-api-gateway"];
  const proxy: Classic = { listen_path: server.listenPath.value, strip_listen_path: server.listenPath.strip ?? false, target_url: upstream.url ?? "" };
  if (upstream.loadBalancing?.enabled) {
    proxy.enable_load_balancing = true;
    // Tyk's weights repeat a target in the list: weight 2 is two turns in the round robin.
    proxy.target_list = (upstream.loadBalancing.targets ?? []).flatMap((target) => Array.from({ length: target.weight }, () => target.url));
  }
  const discovery = upstream.serviceDiscovery;
  if (discovery?.enabled) {
    // Tyk: no cache object means the cache is off; `cacheTimeout` is the older spelling of `cache.timeout`.
    proxy.service_discovery = {
      use_discovery_service: true,
      query_endpoint: discovery.queryEndpoint ?? "",
      use_nested_query: discovery.useNestedQuery ?? false,
      parent_data_path: discovery.parentDataPath ?? "",
      data_path: discovery.dataPath ?? "",
      port_data_path: discovery.portDataPath ?? "",
      target_path: discovery.targetPath ?? "",
      use_target_list: discovery.useTargetList ?? false,
      endpoint_returns_list: discovery.endpointReturnsList ?? false,
      cache_disabled: !discovery.cache?.enabled,
      cache_timeout: discovery.cache?.timeout ?? discovery.cacheTimeout ?? 0,
    };
  }
  if (upstream.uptimeTests) proxy.check_host_against_uptime_tests = upstream.uptimeTests.enabled;
  unmapped.rest(`${extension}.upstream.uptimeTests`, upstream.uptimeTests, ["enabled", "hostDownRetestPeriod", "logRetentionPeriod", "tests"]);
  if (upstream.preserveHostHeader?.enabled) proxy.preserve_host_header = true;
  if (upstream.preserveTrailingSlash?.enabled) proxy.disable_strip_slash = true;
  unmapped.rest(`${extension}.upstream`, upstream, ["url", "loadBalancing", "serviceDiscovery", "uptimeTests", "preserveHostHeader", "preserveTrailingSlash"]);
  unmapped.rest(`${extension}.server`, server, ["listenPath", "customDomain", "authentication", "gatewayTags", "slug"]);
  return proxy;
}

/** The conversion with what it could not map and the issues that make it unusable. */
export function convertOas(document: OasDocument): OasConversion {
  const unmapped = new UnmappedFields();
  const issues: OasIssue[] = [];
  const tyk = document["x-tyk-api-gateway"];
  const middleware = tyk.middleware;
  const extendedPaths: ExtendedPaths = {};
  const operations = middleware?.operations ?? {};
  const located = locateOperations(document);
  for (const operation of located) {
    const own = operations[operation.operationId];
    if (!own) continue;
    operationToClassic(extendedPaths, operation, own, unmapped);
    const entries = operationEntries(document, operation.operationId, own);
    issues.push(...entries.issues);
    for (const entry of entries.validate_request) {
      pushEntry(extendedPaths, "validate_request", entry);
      const body = `$.paths[${JSON.stringify(entry.path)}].${entry.method.toLowerCase()}.requestBody.content`;
      for (const type of uncheckedMediaTypes(entry))
        unmapped.add(`${body}[${JSON.stringify(type)}]`, "validateRequest does not check bodies of this media type; they are passed on unchecked");
    }
    for (const entry of entries.mock_response) pushEntry(extendedPaths, "mock_response", entry);
  }
  for (const operationId of Object.keys(operations)) {
    if (!located.some((operation) => operation.operationId === operationId)) {
      unmapped.add(`${extension}.middleware.operations[${JSON.stringify(operationId)}]`, "names no operation in the document's paths; it is ignored");
    }
  }
  const domain = tyk.server.customDomain;
  const definition: Classic = {
    api_id: tyk.info.id ?? "",
    org_id: tyk.info.orgId ?? "",
    name: tyk.info.name,
    active: tyk.info.state.active,
    // Served only through a base API's versions (src/features/api-versions.ts), never on its own listen path.
    ...(tyk.info.state.internal ? { internal: true } : {}),
    // Versions are separate APIs; Tyk keeps the OAS object in the classic `definition` (its own version name, default, name → API id).
    ...(tyk.info.versioning ? { definition: versioningToClassic(tyk.info.versioning) } : {}),
    expiration: tyk.info.expiration ?? "",
    domain: domain?.enabled ? domain.name : "",
    tags: tyk.server.gatewayTags?.enabled ? (tyk.server.gatewayTags.tags ?? []) : [],
    proxy: upstreamToProxy(document, unmapped),
    ...(tyk.upstream.uptimeTests ? { uptime_tests: uptimeTestsToClassic(tyk.upstream.uptimeTests) } : {}),
    ...authenticationToClassic(document, unmapped),
    ...globalToApi(middleware?.global, unmapped),
    ...pluginsToClassic(middleware?.global, tyk.server.authentication?.custom, unmapped),
    ...errorOverridesToClassic(tyk.errorOverrides),
    version_data: {
      not_versioned: true,
      default_version: "",
      versions: { "": { name: "", use_extended_paths: true, extended_paths: extendedPaths, ...globalToVersion(middleware?.global) } },
    },
  };
  unmapped.rest(`${extension}.info`, tyk.info, ["id", "dbId", "orgId", "name", "state", "versioning", "expiration"]);
  unmapped.rest(extension, tyk, ["info", "upstream", "server", "middleware", "errorOverrides"]);
  return { definition, unmapped: unmapped.fields, issues };
}

/** The classic API definition the features read (see convertOas for what it leaves out). */
export function oasToClassic(document: OasDocument): Record<string, unknown> {
  return convertOas(document).definition;
}
