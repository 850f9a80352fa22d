import type { UnsupportedFeature } from "./catalogue";
import { at, isSet, type Json, list, object } from "./raw-json";

/*
 * Tyk features Portcullis does not implement that restrict who may call an
 * API (the report-only ones are in catalogue-reported.ts), and the readers
 * both files use. Each `active` follows the condition under which Tyk
 * 31e219be acts on the feature (gateway/api_loader.go and each middleware's
 * EnabledForSpec), read from the raw JSON, where any value may be missing or
 * of the wrong type.
 *
 * A malformed switch counts as on: Tyk refuses to load a definition whose
 * boolean is not a boolean, so it must not quietly turn a protection off here.
 * For the same reason only a real `true` turns a feature off through a
 * `*_disabled` flag.
 */

type Definition = Record<string, unknown>;

/** A switch is on unless absent, null or false. */
export const on = (value: unknown): boolean => value !== undefined && value !== null && value !== false;
/** A `*_disabled` flag turns its feature off only when it is exactly true. */
export const off = (value: unknown): boolean => value === true;

export function versions(definition: Definition): Json[] {
  return Object.values(object(at(definition, "version_data.versions"))).map(object);
}

/* Tyk reads a version's `extended_paths` only when `use_extended_paths` is true; Portcullis reads a missing flag as true. */
export const usesExtendedPaths = (version: Json): boolean => version.use_extended_paths !== false;

export function anyEndpoint(definition: Definition, kind: string, applies: (entry: Json) => boolean = () => true): boolean {
  return versions(definition)
    .filter(usesExtendedPaths)
    .flatMap((version) => list(at(version, `extended_paths.${kind}`)).map(object))
    .some((entry) => !off(entry.disabled) && applies(entry));
}

/** A per-endpoint list of `extended_paths`, active while one entry is not disabled. */
export function endpointFeature(name: string, kind: string, security: boolean, applies?: (entry: Json) => boolean): UnsupportedFeature {
  const field = `version_data.versions.*.extended_paths.${kind}`;
  return { name, fields: [field], security, switch: field, active: (definition) => anyEndpoint(definition, kind, applies) };
}

/** A feature turned on by one boolean, `fields` being everything it reads. */
export function flagFeature(name: string, flag: string, security: boolean, fields: readonly string[] = [flag]): UnsupportedFeature {
  return { name, fields: [...fields], security, switch: flag, active: (definition) => on(at(definition, flag)) };
}

// Keyless APIs run no auth middleware at all (api_loader.go), so auth settings on them are inert.
const authChecked = (definition: Definition): boolean => definition.use_keyless !== true;

const customAuthSwitches = ["custom_plugin_auth_enabled", "enable_coprocess_auth", "use_go_plugin_auth"];
const otherAuthSwitches = [
  "use_oauth2",
  "external_oauth.enabled",
  "use_basic_auth",
  "enable_signature_checking",
  "enable_jwt",
  "use_openid",
  ...customAuthSwitches,
];

/** Tyk checks an auth token when told to, or when no other auth method is on. */
function authTokenChecked(definition: Definition): boolean {
  if (!authChecked(definition)) return false;
  return on(definition.use_standard_auth) || !otherAuthSwitches.some((flag) => on(at(definition, flag)));
}

/** `auth_configs.authToken`, or the deprecated `auth` when that key is absent (BaseMiddleware.getAuthToken). */
function authTokenConfig(definition: Definition): Json {
  const configs = object(definition.auth_configs);
  return Object.hasOwn(configs, "authToken") ? object(configs.authToken) : object(definition.auth);
}

export const restrictingFeatures: readonly UnsupportedFeature[] = [
  // Auth methods come before the `auth_configs.*` entries, so a method's own key is matched first.
  {
    // Tyk verifies tokens against these for Tyk OAS APIs only (mw_jwt.go); for a classic API it merely prefetches them.
    name: "JWT verification against JWKS URIs",
    fields: ["jwt_jwks_uris"],
    security: true,
    switch: "jwt_jwks_uris",
    active: (definition) => authChecked(definition) && on(definition.enable_jwt) && on(definition.is_oas) && isSet(definition.jwt_jwks_uris),
  },
  {
    name: "Auth token signature validation",
    fields: ["auth.validate_signature", "auth.signature", "auth_configs.*.validate_signature", "auth_configs.*.signature"],
    security: true,
    switch: "auth_configs.authToken.validate_signature",
    active: (definition) => authTokenChecked(definition) && on(authTokenConfig(definition).validate_signature),
  },
  {
    // LDAP or MDCB decides which keys exist; Portcullis's own key store would admit other callers.
    name: "Auth provider storage engine",
    fields: ["auth_provider"],
    security: true,
    switch: "auth_provider.storage_engine",
    active: (definition) => ["ldap", "rpc"].includes(String(at(definition, "auth_provider.storage_engine"))),
  },
  {
    // Pins the upstream's certificate: without it a spoofed upstream would receive the callers' credentials.
    name: "Certificate pinning",
    fields: ["pinned_public_keys", "certificate_pinning_disabled"],
    security: true,
    switch: "pinned_public_keys",
    active: (definition) => isSet(definition.pinned_public_keys) && !off(definition.certificate_pinning_disabled),
  },
  // Reachable only by internal looping: every outside request gets 403.
  endpointFeature("Internal endpoint", "internal", true),
  {
    // Without it "/ADMIN" would get past a black-listed "/admin" that Tyk blocks.
    name: "Case-insensitive endpoint matching",
    fields: ["version_data.versions.*.ignore_endpoint_case"],
    security: true,
    switch: "version_data.versions.*.ignore_endpoint_case",
    active: (definition) =>
      versions(definition).some(
        (version) =>
          on(version.ignore_endpoint_case) &&
          usesExtendedPaths(version) &&
          ["ignored", "white_list", "black_list", "mock_response"].some((kind) => isSet(at(version, `extended_paths.${kind}`))),
      ),
  },
  // Plugins run arbitrary code that may accept or reject a caller. Registered TypeScript plugins are honoured
  // (features/plugin-hooks); a bundle is code fetched and loaded at run time, which Workers cannot do.
  {
    // The traffic-log hook acts only through a bundle's plugins.
    name: "Custom plugin bundle",
    fields: ["custom_middleware_bundle", "custom_middleware_bundle_disabled", "custom_middleware.traffic_logs"],
    security: true,
    switch: "custom_middleware_bundle",
    active: (definition) => isSet(definition.custom_middleware_bundle) && !off(definition.custom_middleware_bundle_disabled),
  },
  // A compiled Go plugin per endpoint: no registered-name equivalent in the definition to map to a TypeScript plugin.
  endpointFeature("Go plugin endpoint", "go_plugin", true),
  // The GraphQL middleware enforces keys' field and depth limits and can turn introspection off.
  flagFeature("GraphQL", "graphql.enabled", true, ["graphql"]),
  {
    // MCP keys are limited to named tools, resources and prompts.
    name: "MCP",
    fields: ["application_protocol"],
    security: true,
    switch: "application_protocol",
    active: (definition) => isSet(definition.application_protocol),
  },
  {
    // The OAS half of such an API (operation allow lists, request validation, OR-ed auth, scope checks) is not in this definition.
    name: "Tyk OAS API",
    fields: ["is_oas", "security_requirements", "security_requirement_scopes"],
    security: true,
    switch: "is_oas",
    active: (definition) => on(definition.is_oas),
  },
];
