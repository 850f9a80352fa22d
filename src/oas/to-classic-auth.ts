import type { OasSecurityScheme } from "./schema-extension";
import type { OasDocument } from "./schema";
import type { UnmappedFields } from "./unmapped";

/*
 * `server.authentication` to Tyk's classic auth fields. Which kind a Tyk
 * security scheme is comes from the OpenAPI `components.securitySchemes`
 * entry of the same name (apiKey or http bearer: auth token; http bearer with
 * bearerFormat JWT: JWT; http basic: basic auth); a scheme is in force when
 * it is enabled and the document's `security` names it. HMAC is the
 * extension's own `authentication.hmac`.
 */

type Classic = Record<string, unknown>;
type AuthSource = { enabled: boolean; name?: string | undefined } | undefined;

const base = "$.x-tyk-api-gateway.server.authentication";

type SchemeKind = "authToken" | "jwt" | "basic" | "unknown";

function kindOf(frame: { type: string; scheme?: string | undefined; bearerFormat?: string | undefined }): SchemeKind {
  if (frame.type === "apiKey") return "authToken";
  if (frame.type !== "http") return "unknown";
  const scheme = frame.scheme?.toLowerCase();
  if (scheme === "basic") return "basic";
  if (scheme === "bearer") return frame.bearerFormat?.toUpperCase() === "JWT" ? "jwt" : "authToken";
  return "unknown";
}

/** Where the credential is read: the OpenAPI apiKey `in`/`name` first, then the extension's header/query/cookie sources. */
function credentialSource(frame: { type: string; name?: string | undefined; in?: string | undefined }, scheme: OasSecurityScheme): Classic {
  const header: AuthSource = scheme.header ?? (frame.type !== "apiKey" || frame.in === "header" ? { enabled: true, name: frame.name } : undefined);
  const query: AuthSource = scheme.query ?? (frame.type === "apiKey" && frame.in === "query" ? { enabled: true, name: frame.name } : undefined);
  const cookie: AuthSource = scheme.cookie ?? (frame.type === "apiKey" && frame.in === "cookie" ? { enabled: true, name: frame.name } : undefined);
  return {
    auth_header_name: (header?.enabled && header.name) || (frame.type === "apiKey" && frame.in === "header" && frame.name) || "Authorization",
    disable_header: !header?.enabled,
    use_param: query?.enabled === true,
    param_name: query?.name ?? frame.name ?? "",
    use_cookie: cookie?.enabled === true,
    cookie_name: cookie?.name ?? frame.name ?? "",
  };
}

const jwtSigningMethods = new Set(["hmac", "rsa", "ecdsa"]);

function jwtFields(scheme: OasSecurityScheme, path: string, unmapped: UnmappedFields): Classic {
  const method = scheme.signingMethod ?? "";
  if (method && !jwtSigningMethods.has(method)) unmapped.add(`${path}.signingMethod`, `JWT signing method ${JSON.stringify(method)} is not supported`, true);
  unmapped.rest(
    path,
    scheme,
    [
      "enabled",
      "header",
      "query",
      "cookie",
      "source",
      "signingMethod",
      "identityBaseField",
      "policyFieldName",
      "defaultPolicies",
      "skipKid",
      "notBeforeValidationSkew",
      "issuedAtValidationSkew",
      "expiresAtValidationSkew",
    ],
    true,
  );
  return {
    enable_jwt: true,
    jwt_source: scheme.source ?? "",
    jwt_signing_method: jwtSigningMethods.has(method) ? method : "",
    jwt_identity_base_field: scheme.identityBaseField ?? "",
    jwt_policy_field_name: scheme.policyFieldName ?? "",
    jwt_default_policies: scheme.defaultPolicies ?? [],
    jwt_skip_kid: scheme.skipKid ?? false,
    jwt_not_before_validation_skew: scheme.notBeforeValidationSkew ?? 0,
    jwt_issued_at_validation_skew: scheme.issuedAtValidationSkew ?? 0,
    jwt_expires_at_validation_skew: scheme.expiresAtValidationSkew ?? 0,
  };
}

const isOperation = (value: unknown): value is { security?: unknown } => typeof value === "object" && value !== null && !Array.isArray(value);

/** The names the document's `security` requirements refer to (any alternative). */
function requiredSchemes(document: OasDocument): Set<string> {
  return new Set((document.security ?? []).flatMap((requirement) => Object.keys(requirement)));
}

export function authenticationToClassic(document: OasDocument, unmapped: UnmappedFields): Classic {
  const authentication = document["x-tyk-api-gateway"].server.authentication;
  if (!authentication?.enabled) return { use_keyless: true };
  const classic: Classic = { use_keyless: false, auth_configs: {} };
  const authConfigs = classic.auth_configs as Classic;
  const frames = document.components?.securitySchemes ?? {};
  const required = requiredSchemes(document);
  for (const [name, scheme] of Object.entries(authentication.securitySchemes ?? {})) {
    const path = `${base}.securitySchemes[${JSON.stringify(name)}]`;
    if (!scheme.enabled || !required.has(name)) continue;
    const frame = frames[name];
    const kind = frame ? kindOf(frame) : "unknown";
    if (!frame || kind === "unknown") {
      unmapped.add(path, `security scheme ${JSON.stringify(name)} (${frame?.type ?? "not in components.securitySchemes"}) cannot be mapped`, true);
      continue;
    }
    if (kind === "authToken") {
      classic.use_standard_auth = true;
      authConfigs.authToken = credentialSource(frame, scheme);
      unmapped.rest(path, scheme, ["enabled", "header", "query", "cookie"], true);
    } else if (kind === "jwt") {
      Object.assign(classic, jwtFields(scheme, path, unmapped));
      authConfigs.jwt = credentialSource(frame, scheme);
    } else {
      classic.use_basic_auth = true;
      classic.basic_auth = { disable_caching: scheme.disableCaching ?? false, cache_ttl: scheme.cacheTTL ?? 0 };
      authConfigs.basic = credentialSource(frame, scheme);
      unmapped.rest(path, scheme, ["enabled", "header", "query", "cookie", "disableCaching", "cacheTTL"], true);
    }
  }
  // Portcullis runs every configured auth method on each request (Tyk's classic chain): alternatives become all-of, stricter than asked.
  if ((document.security ?? []).length > 1) unmapped.add("$.security", "alternative security requirements are all enforced together (all-of, not one-of)");
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      if (isOperation(operation) && operation.security)
        unmapped.add(`$.paths[${JSON.stringify(path)}].${method}.security`, "operation-level security is not applied; the document's security is");
    }
  }
  for (const name of required) {
    if (!authentication.securitySchemes?.[name])
      unmapped.add(`$.security`, `security requirement ${JSON.stringify(name)} has no x-tyk-api-gateway security scheme`, true);
  }
  if (authentication.hmac?.enabled) {
    classic.enable_signature_checking = true;
    classic.hmac_allowed_algorithms = authentication.hmac.allowedAlgorithms ?? [];
    classic.hmac_allowed_clock_skew = authentication.hmac.allowedClockSkew ?? 0;
    authConfigs.hmac = credentialSource({ type: "http" }, authentication.hmac);
  }
  if (authentication.stripAuthorizationData) classic.strip_auth_data = true;
  if (authentication.baseIdentityProvider) classic.base_identity_provided_by = authentication.baseIdentityProvider;
  // `custom` (a custom auth plugin) is mapped with the other plugins (to-classic-plugins.ts).
  unmapped.rest(base, authentication, ["enabled", "securitySchemes", "hmac", "stripAuthorizationData", "baseIdentityProvider", "custom"], true);
  const custom = authentication.custom?.enabled;
  const methods = [classic.use_standard_auth, classic.enable_jwt, classic.use_basic_auth, classic.enable_signature_checking, custom].filter(Boolean).length;
  // Authentication on with nothing we can check: refuse rather than serve the API open.
  if (methods === 0 && !unmapped.fields.some((field) => field.security))
    unmapped.add(base, "authentication is enabled but no security scheme in force can be mapped", true);
  return classic;
}
