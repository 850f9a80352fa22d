import { inject } from "vitest";
import { keylessApi, upstreamUrl } from "./gateway";

/*
 * The error override tests' definitions and gateway-wide rules, written for
 * this project to cover what Tyk's error-override CI covers (its API ids and
 * listen paths, so one set of cases runs on these and on Tyk's eo-* samples).
 */

export type Definition = Record<string, unknown>;

const marked = (flag: string, extra: Record<string, string> = {}) => ({ "X-Error-Flag": flag, "X-Override-Applied": "true", ...extra });

/** A gateway rule for one flag: the status to answer with, a JSON body naming the flag and a code. */
function flagRule(flag: string, status: number, code: string, extra: Record<string, string> = {}) {
  return { match: { flag }, response: { status_code: status, body: `{"flag": "${flag}", "code": "${code}"}`, headers: marked(flag, extra) } };
}

/** TYK_GW_ERROROVERRIDES for the tests: Tyk's flags, by the status each error has. */
export const gatewayRules = {
  "400": [
    flagRule("AMF", 401, "AUTH_MISSING"),
    flagRule("IHD", 400, "HEADER_MALFORMED"),
    flagRule("BTL", 413, "BODY_TOO_LARGE"),
    flagRule("BIV", 400, "BODY_INVALID"),
  ],
  "401": [flagRule("AMF", 401, "AUTH_MISSING"), flagRule("TCV", 401, "CLAIMS_INVALID"), flagRule("TKE", 403, "TOKEN_EXPIRED")],
  "403": [
    flagRule("AKI", 403, "KEY_INVALID"),
    flagRule("TKI", 403, "TOKEN_INVALID"),
    flagRule("TKE", 403, "TOKEN_EXPIRED"),
    flagRule("QEX", 403, "QUOTA_LIMIT"),
  ],
  "411": [flagRule("CLM", 411, "LENGTH_REQUIRED")],
  "422": [flagRule("BIV", 422, "SCHEMA_INVALID")],
  "429": [flagRule("RLT", 429, "RATE_LIMITED", { "Retry-After": "60" })],
  "500": [flagRule("UCF", 502, "CONNECTION_FAILED"), flagRule("UPE", 502, "PROTOCOL_ERROR"), flagRule("DNS", 502, "DNS_ERROR")],
  "503": [flagRule("CBO", 503, "CIRCUIT_BREAKER", { "Retry-After": "60" })],
  "504": [flagRule("URT", 504, "REQUEST_TIMEOUT")],
  "5xx": [{ match: { flag: "URS" }, response: { status_code: 503, message: "Upstream service error occurred", headers: marked("URS") } }],
  "404": [
    {
      match: { body_field: "error.code", body_value: "RESOURCE_NOT_FOUND" },
      response: { status_code: 404, body: '{"error": "resource_not_found"}', headers: marked("NOT_FOUND") },
    },
    {
      match: { message_pattern: "(?i)page not found" },
      response: { status_code: 404, template: "error_validation", message: "The requested page does not exist", headers: marked("PAGE_NOT_FOUND") },
    },
  ],
};

function api(id: string, listenPath: string, fields: Definition = {}, target = upstreamUrl()): Definition {
  return keylessApi({ api_id: id, name: id, ...fields, proxy: { listen_path: listenPath, target_url: target } });
}

const extended = (paths: Definition) => ({
  version_data: { not_versioned: true, versions: { Default: { name: "Default", use_extended_paths: true, extended_paths: paths } } },
});

const token = { use_keyless: false, use_standard_auth: true, auth: { auth_header_name: "Authorization" } };
const basic = { use_keyless: false, use_basic_auth: true };
const jwt = (secret: string) => ({
  use_keyless: false,
  enable_jwt: true,
  jwt_signing_method: "hmac",
  jwt_source: btoa(secret),
  jwt_identity_base_field: "sub",
});

/** Tyk's OAuth server: bearer tokens it issued. */
const oauth = { use_keyless: false, use_oauth2: true, oauth_meta: { allowed_access_types: ["authorization_code"], allowed_authorize_types: ["code"] } };

export const tlsSamples = ["test-tle", "test-tli", "test-tlm", "test-tln", "test-tlh", "test-tlp"];

const validated = (required: string[]) =>
  extended({
    validate_json: [
      { path: "validate", method: "POST", schema: { type: "object", properties: { name: { type: "string" }, email: { type: "string" } }, required } },
    ],
  });

/** An API rule for BIV that names a template file, with its own message and flag headers. */
const bivTemplateRule = (status: number) => ({
  [String(status)]: [
    {
      match: { flag: "BIV" },
      response: { status_code: status, template: "error_validation_invalid_params", message: "Request body is invalid", headers: marked("BIV") },
    },
  ],
});

const akiApiRule = { "403": [{ match: { flag: "AKI" }, response: { status_code: 418, body: '{"error": "api_level_override"}', headers: marked("AKI-API") } }] };

export function ownDefinitions(): Definition[] {
  const errors = inject("errorUpstreamUrl");
  const echoHost = new URL(upstreamUrl()).host;
  return [
    api("test-amf-authkey", "/test-amf-authkey/", token),
    api("test-amf-basicauth", "/test-amf-basicauth/", basic),
    api("test-amf-jwt", "/test-amf-jwt/", jwt("amf-secret")),
    api("test-aki", "/test-aki/", token),
    api("test-ihd-basicauth", "/test-ihd-basicauth/", basic),
    api("test-tki-jwt", "/test-tki-jwt/", jwt("tki-secret")),
    api("test-tke-jwt", "/test-tke-jwt/", jwt("tke-test-secret")),
    api("test-qex", "/test-qex/", token),
    api("test-rlt", "/test-rlt/", { global_rate_limit: { rate: 1, per: 60 } }),
    api("test-btl", "/test-btl/", extended({ size_limits: [{ path: ".*", method: "POST", size_limit: 10 }] })),
    api("test-clm", "/test-clm/", extended({ size_limits: [{ path: ".*", method: "POST", size_limit: 1024 }] })),
    api("test-biv-json", "/test-biv-json/", validated(["name"])),
    api("test-biv-schema", "/test-biv-schema/", validated(["email"])),
    api("test-biv-json-invalid-params", "/test-biv-json-invalid-params/", { ...validated(["name"]), error_overrides: bivTemplateRule(400) }),
    api("test-biv-schema-invalid-params", "/test-biv-schema-invalid-params/", { ...validated(["email"]), error_overrides: bivTemplateRule(422) }),
    api("test-ucf", "/test-ucf/", {}, "http://127.0.0.1:9"),
    api("test-urr", "/test-urr/", {}, `${upstreamUrl()}/reset`),
    api("test-upe", "/test-upe/", {}, inject("malformedUpstreamUrl")),
    // TLS to a port that does not speak it: Tyk's samples name the certificate failures (expired, untrusted, wrong host…) one by one.
    ...tlsSamples.map((id) => api(id, `/${id}/`, {}, `https://${echoHost}`)),
    ...["test-amf-oauth", "test-ihd-oauth", "test-aki-oauth"].map((id) => api(id, `/${id}/`, oauth)),
    api("test-urt", "/test-urt/", {}, `${upstreamUrl()}/delay/3000`),
    api(
      "test-cbo",
      "/test-cbo/",
      extended({ circuit_breakers: [{ path: ".*", method: "GET", threshold_percent: 0.1, samples: 3, return_to_service_after: 60 }] }),
      errors,
    ),
    api("test-api-override-aki", "/test-api-override-aki/", { ...token, error_overrides: akiApiRule }),
    api("test-api-override-disabled", "/test-api-override-disabled/", { ...token, error_overrides: akiApiRule, error_overrides_disabled: true }),
    api(
      "test-api-override-upstream",
      "/test-api-override-upstream/",
      { error_overrides: { "404": [{ response: { status_code: 420, body: '{"error": "api_level_upstream"}', headers: marked("UPSTREAM-API") } }] } },
      errors,
    ),
    api(
      "test-api-override-upstream-match",
      "/test-api-override-upstream-match/",
      {
        error_overrides: {
          "500": [
            {
              match: { body_field: "error.type", body_value: "database_timeout", message_pattern: "Connection to \\w+ lost" },
              response: { status_code: 501, body: '{"status": "override_all_match"}', headers: marked("UPSTREAM-MATCH-FIELD-VALUE-API") },
            },
          ],
        },
      },
      errors,
    ),
    api(
      "edge-cases-api",
      "/edge-cases",
      {
        error_overrides: {
          "500": [
            {
              match: { body_field: "error", body_value: "template" },
              response: { status_code: 501, body: '{"code": {{.StatusCode}}}', headers: marked("UPSTREAM-INLINE-TEMPLATE") },
            },
            {
              match: { body_field: "error", body_value: "json_escape" },
              response: {
                status_code: 502,
                message: 'Invalid token "abc"\nand some newlines',
                body: '{"error_detail": "{{.Message}}"}',
                headers: marked("UPSTREAM-JSON-ESCAPED-INLINE-TEMPLATE"),
              },
            },
            {
              match: { body_field: "target_value", body_value: "find_me_if_you_can" },
              response: { status_code: 506, body: '{"status": "truncated body matched"}' },
            },
          ],
        },
      },
      errors,
    ),
    api("test-upstream", "/test-upstream/", {}, errors),
    api("test-ok", "/test-ok/"),
  ];
}
