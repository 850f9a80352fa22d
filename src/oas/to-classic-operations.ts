import type { OasOperationMiddleware, OasTransformBody, OasTransformHeaders } from "./schema-middleware";
import type { OasVirtualEndpoint } from "./schema-plugins";
import { httpMethods, type OasDocument } from "./schema";
import type { UnmappedFields } from "./unmapped";

/*
 * `middleware.operations.<operationId>` to the classic `extended_paths`
 * lists. Each entry carries the operation's path template as written
 * (`/pets/{id}`: Tyk's classic patterns read `{name}` as one path segment,
 * src/apidef/paths.ts) and its method. Operations are ordered most specific
 * first (more segments, then literal segments before parameters), as Tyk
 * sorts them, so `/pets/mine` is found before `/pets/{id}`.
 */

type Entry = Record<string, unknown>;
export type ExtendedPaths = Record<string, Entry[]>;

export interface LocatedOperation {
  operationId: string;
  path: string;
  method: string;
}

/** Every operation with an operationId, most specific path first. */
export function locateOperations(document: OasDocument): LocatedOperation[] {
  const found: LocatedOperation[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of httpMethods) {
      const operationId = item[method]?.operationId;
      if (operationId) found.push({ operationId, path, method: method.toUpperCase() });
    }
  }
  return found.sort((a, b) => specificity(b.path) - specificity(a.path));
}

function specificity(path: string): number {
  const segments = path.split("/").filter(Boolean);
  const literal = segments.filter((segment) => !segment.includes("{")).length;
  return segments.length * 1000 + literal;
}

/** Tyk's durations ("1m30s") in whole seconds, as classic `per` fields hold them. */
export function durationSeconds(text: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(text);
  if (!match) return 0;
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
}

function headerEntry(at: Entry, transform: OasTransformHeaders): Entry {
  return {
    ...at,
    delete_headers: transform.remove ?? [],
    add_headers: Object.fromEntries((transform.add ?? []).map((header) => [header.name, header.value])),
  };
}

const triggerOption = {
  header: "header_matches",
  query: "query_val_matches",
  path: "path_part_matches",
  sessionMetadata: "session_meta_matches",
  requestContext: "request_context_matches",
} as const;

function rewriteEntry(at: Entry, rewrite: NonNullable<OasOperationMiddleware["urlRewrite"]>): Entry {
  const triggers = (rewrite.triggers ?? []).map((trigger) => {
    const options: Record<string, unknown> = {};
    for (const rule of trigger.rules ?? []) {
      const matcher = { match_rx: rule.pattern, reverse: rule.negate ?? false };
      if (rule.in === "requestBody") options.payload_matches = matcher;
      else {
        const option = triggerOption[rule.in];
        options[option] = { ...(options[option] as Entry | undefined), [rule.name ?? ""]: matcher };
      }
    }
    return { on: trigger.condition, options, rewrite_to: trigger.rewriteTo };
  });
  return { ...at, match_pattern: rewrite.pattern, rewrite_to: rewrite.rewriteTo, triggers };
}

/** Tyk's TransformBody.ExtractTo: a `body` is a base64 blob, else `path` names a file; the session is always offered to the template. */
function bodyTransformEntry(at: Entry, transform: OasTransformBody): Entry {
  const blob = Boolean(transform.body);
  return {
    ...at,
    disabled: false,
    template_data: {
      input_type: transform.format,
      enable_session: true,
      template_mode: blob ? "blob" : "file",
      template_source: (blob ? transform.body : transform.path) ?? "",
    },
  };
}

/** Tyk's VirtualEndpoint.ExtractTo: `functionName`, else the deprecated `name`; `body` is base64 source, else `path` a file. */
function virtualEntry(at: Entry, virtual: OasVirtualEndpoint): Entry {
  const blob = Boolean(virtual.body);
  return {
    ...at,
    disabled: false,
    response_function_name: virtual.functionName || virtual.name || "",
    function_source_type: blob ? "blob" : "file",
    function_source_uri: (blob ? virtual.body : virtual.path) ?? "",
    use_session: virtual.requireSession ?? false,
    proxy_on_error: virtual.proxyOnError ?? false,
  };
}

/** The middleware names this converter maps (validateRequest and mockResponse come from src/oas/operation-entries.ts). */
export const mappedOperationFields = [
  "allow",
  "block",
  "ignoreAuthentication",
  "transformRequestHeaders",
  "transformResponseHeaders",
  "transformRequestMethod",
  "urlRewrite",
  "rateLimit",
  "requestSizeLimit",
  "enforceTimeout",
  "circuitBreaker",
  "cache",
  "validateRequest",
  "mockResponse",
  "transformRequestBody",
  "transformResponseBody",
  "virtualEndpoint",
  "trackEndpoint",
  "doNotTrackEndpoint",
  "postPlugins",
];

/** Operation middleware that restricts who may call what: not honouring it would open the API. */
const securityOperationFields = new Set(["internal", "scopeCheck", "exchange"]);

export function pushEntry(paths: ExtendedPaths, list: string, entry: Entry): void {
  paths[list] ??= [];
  paths[list].push(entry);
}

/** Adds one operation's entries (all but validateRequest and mockResponse) to `paths`. */
export function operationToClassic(paths: ExtendedPaths, located: LocatedOperation, middleware: OasOperationMiddleware, unmapped: UnmappedFields): void {
  const at = { path: located.path, method: located.method };
  const allowance = (list: string, allowance: OasOperationMiddleware["allow"]) => {
    if (!allowance?.enabled) return;
    const action = { action: "no_action", code: 200, data: "", headers: {} };
    pushEntry(paths, list, { path: located.path, ignore_case: allowance.ignoreCase ?? false, method_actions: { [located.method]: action } });
  };
  allowance("white_list", middleware.allow);
  allowance("black_list", middleware.block);
  allowance("ignored", middleware.ignoreAuthentication);
  if (middleware.transformRequestHeaders?.enabled) pushEntry(paths, "transform_headers", headerEntry(at, middleware.transformRequestHeaders));
  if (middleware.transformResponseHeaders?.enabled) pushEntry(paths, "transform_response_headers", headerEntry(at, middleware.transformResponseHeaders));
  if (middleware.transformRequestMethod?.enabled) pushEntry(paths, "method_transforms", { ...at, to_method: middleware.transformRequestMethod.toMethod });
  if (middleware.urlRewrite?.enabled) pushEntry(paths, "url_rewrites", rewriteEntry(at, middleware.urlRewrite));
  const rateLimit = middleware.rateLimit;
  if (rateLimit?.enabled) pushEntry(paths, "rate_limit", { ...at, rate: rateLimit.rate, per: durationSeconds(rateLimit.per) });
  if (middleware.requestSizeLimit?.enabled) pushEntry(paths, "size_limits", { ...at, size_limit: middleware.requestSizeLimit.value });
  const timeout = middleware.enforceTimeout;
  if (timeout?.enabled) pushEntry(paths, "hard_timeouts", { ...at, timeout: timeout.value ?? 0, duration: timeout.duration ?? "" });
  const breaker = middleware.circuitBreaker;
  if (breaker?.enabled) {
    pushEntry(paths, "circuit_breakers", {
      ...at,
      threshold_percent: breaker.threshold,
      samples: breaker.sampleSize,
      return_to_service_after: breaker.coolDownPeriod,
      disable_half_open_state: !breaker.halfOpenStateEnabled,
    });
  }
  const cache = middleware.cache;
  if (cache?.enabled) {
    pushEntry(paths, "advance_cache_config", {
      ...at,
      cache_key_regex: cache.cacheByRegex ?? "",
      cache_response_codes: cache.cacheResponseCodes ?? [],
      timeout: cache.timeout ?? 0,
    });
  }
  if (middleware.transformRequestBody?.enabled) pushEntry(paths, "transform", bodyTransformEntry(at, middleware.transformRequestBody));
  if (middleware.transformResponseBody?.enabled) pushEntry(paths, "transform_response", bodyTransformEntry(at, middleware.transformResponseBody));
  if (middleware.virtualEndpoint?.enabled) pushEntry(paths, "virtual", virtualEntry(at, middleware.virtualEndpoint));
  if (middleware.trackEndpoint?.enabled) pushEntry(paths, "track_endpoints", { ...at, disabled: false });
  if (middleware.doNotTrackEndpoint?.enabled) pushEntry(paths, "do_not_track_endpoints", { ...at, disabled: false });
  // Tyk reads only the first entry (EndpointPostPlugins.ExtractTo); the classic manifest refuses a Go plugin endpoint.
  const goPlugin = middleware.postPlugins?.[0];
  if (goPlugin?.enabled)
    pushEntry(paths, "go_plugin", { ...at, disabled: false, plugin_path: goPlugin.path ?? "", symbol_name: goPlugin.functionName || goPlugin.name || "" });
  const base = `$.x-tyk-api-gateway.middleware.operations[${JSON.stringify(located.operationId)}]`;
  for (const [name, value] of Object.entries(middleware)) {
    if (mappedOperationFields.includes(name)) continue;
    unmapped.rest(base, { [name]: value }, [], securityOperationFields.has(name));
  }
}
