import { z } from "zod";
import { limitModes } from "../ratelimit/config";
import { pathPatternError } from "./paths";

/*
 * Tyk's classic API definition. Every object is loose: fields Portcullis does
 * not use yet are kept, so a definition round-trips through the Gateway API
 * unchanged. Defaults follow Tyk's zero values.
 */

const headerMap = z.record(z.string(), z.string());

function regexError(source: string): string | null {
  try {
    new RegExp(source);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** An endpoint path: a Tyk path pattern that must compile. */
const pathPattern = z.string().superRefine((path, ctx) => {
  const error = pathPatternError(path);
  if (error) ctx.addIssue({ code: "custom", message: error });
});

export const methodActionSchema = z.looseObject({
  action: z.enum(["no_action", "reply"]).default("no_action"),
  code: z.number().int().min(100).max(599).default(200),
  data: z.string().default(""),
  headers: headerMap.default({}),
});

/** An entry of `white_list`, `black_list` or `ignored`. */
export const endpointMetaSchema = z.looseObject({
  path: pathPattern,
  method: z.string().optional(),
  disabled: z.boolean().default(false),
  ignore_case: z.boolean().default(false),
  method_actions: z.record(z.string(), methodActionSchema).default({}),
});

export const urlRewriteSchema = z.looseObject({
  path: pathPattern,
  method: z.string().default(""),
  disabled: z.boolean().default(false),
  match_pattern: z.string().superRefine((source, ctx) => {
    const error = regexError(source);
    if (error) ctx.addIssue({ code: "custom", message: error });
  }),
  rewrite_to: z.string(),
});

/** An `extended_paths.rate_limit` entry: a limit for one endpoint across all callers of the API. */
export const rateLimitMetaSchema = z.looseObject({
  path: pathPattern,
  method: z.string().default(""),
  rate: z.number().default(0),
  per: z.number().default(0),
  disabled: z.boolean().default(false),
});

export const extendedPathsSchema = z.looseObject({
  ignored: z.array(endpointMetaSchema).default([]),
  white_list: z.array(endpointMetaSchema).default([]),
  black_list: z.array(endpointMetaSchema).default([]),
  url_rewrites: z.array(urlRewriteSchema).default([]),
  rate_limit: z.array(rateLimitMetaSchema).nullable().default([]).transform((value) => value ?? []),
});

export const versionInfoSchema = z.looseObject({
  name: z.string().default(""),
  expires: z.string().default(""),
  use_extended_paths: z.boolean().default(true),
  extended_paths: extendedPathsSchema.default(() => extendedPathsSchema.parse({})),
  global_headers: headerMap.default({}),
  global_headers_remove: z.array(z.string()).default([]),
  global_headers_disabled: z.boolean().default(false),
  override_target: z.string().default(""),
});

export const authConfigSchema = z.looseObject({
  auth_header_name: z.string().default("Authorization"),
  use_param: z.boolean().default(false),
  param_name: z.string().default(""),
  use_cookie: z.boolean().default(false),
  cookie_name: z.string().default(""),
  disable_header: z.boolean().default(false),
});

/** `basic_auth`: credentials may also come from the body, matched by two regexes with one group each. */
export const basicAuthSettingsSchema = z
  .looseObject({
    disable_caching: z.boolean().default(false),
    cache_ttl: z.number().int().nonnegative().default(0),
    extract_from_body: z.boolean().default(false),
    body_user_regexp: z.string().default(""),
    body_password_regexp: z.string().default(""),
  })
  .superRefine((settings, ctx) => {
    if (!settings.extract_from_body) return;
    for (const field of ["body_user_regexp", "body_password_regexp"] as const) {
      const error = settings[field] === "" ? "required when extract_from_body is true" : regexError(settings[field]);
      if (error) ctx.addIssue({ code: "custom", path: [field], message: error });
    }
  });

export const proxySchema = z
  .looseObject({
    listen_path: z.string().startsWith("/", "must start with /"),
    target_url: z.string().default(""),
    strip_listen_path: z.boolean().default(false),
    preserve_host_header: z.boolean().default(false),
    enable_load_balancing: z.boolean().default(false),
    target_list: z.array(z.url()).default([]),
  })
  .superRefine((proxy, ctx) => {
    const balanced = proxy.enable_load_balancing && proxy.target_list.length > 0;
    if (!balanced && !URL.canParse(proxy.target_url)) {
      ctx.addIssue({ code: "custom", path: ["target_url"], message: "must be an absolute URL" });
    }
  });

export const apiDefinitionSchema = z.looseObject({
    api_id: z.string().min(1, "must not be empty").regex(/^[^/?#\s]+$/, "must not contain '/', '?', '#' or spaces"),
    name: z.string().default(""),
    org_id: z.string().default(""),
    slug: z.string().default(""),
    active: z.boolean().default(true),
    domain: z.string().default(""),
    expiration: z.string().default(""),
    use_keyless: z.boolean().default(false),
    use_standard_auth: z.boolean().default(false),
    auth: authConfigSchema.default(() => authConfigSchema.parse({})),
    /** Newer per-method auth settings; `auth_configs.authToken` wins over `auth`. */
    auth_configs: z.record(z.string(), authConfigSchema).default({}),
    proxy: proxySchema,
    use_basic_auth: z.boolean().default(false),
    basic_auth: basicAuthSettingsSchema.default(() => basicAuthSettingsSchema.parse({})),
    enable_signature_checking: z.boolean().default(false),
    hmac_allowed_algorithms: z.array(z.string()).nullable().default([]).transform((value) => value ?? []),
    /** Milliseconds; 0 or less turns the check off. */
    hmac_allowed_clock_skew: z.number().default(0),
    enable_jwt: z.boolean().default(false),
    jwt_signing_method: z.enum(["hmac", "rsa", "ecdsa", ""]).default(""),
    /** Base64 of the HMAC secret or PEM public key, or a JWKS URL (plain or base64). */
    jwt_source: z.string().default(""),
    jwt_identity_base_field: z.string().default(""),
    jwt_policy_field_name: z.string().default(""),
    jwt_client_base_field: z.string().default(""),
    jwt_default_policies: z.array(z.string()).nullable().default([]).transform((value) => value ?? []),
    jwt_skip_kid: z.boolean().default(false),
    jwt_issued_at_validation_skew: z.number().nonnegative().default(0),
    jwt_not_before_validation_skew: z.number().nonnegative().default(0),
    jwt_expires_at_validation_skew: z.number().nonnegative().default(0),
    base_identity_provided_by: z.string().default(""),
    /** Seconds a key written for this API lives in the store; 0 = no limit. */
    session_lifetime: z.number().int().default(0),
    session_lifetime_respects_key_expiration: z.boolean().default(false),
    definition: z
      .looseObject({
        // Tyk writes "" for the default location.
        location: z
          .enum(["header", "url-param", "url", ""])
          .default("header")
          .transform((location) => location || "header"),
        key: z.string().default(""),
        strip_path: z.boolean().default(false),
        strip_versioning_data: z.boolean().default(false),
      })
      .default({ location: "header", key: "", strip_path: false, strip_versioning_data: false }),
    // An API without `version_data` is unversioned; one that has it is versioned unless it says
    // `not_versioned: true`, as in Tyk.
    version_data: z
      .looseObject({
        not_versioned: z.boolean().default(false),
        default_version: z.string().default(""),
        versions: z.record(z.string(), versionInfoSchema).default({}),
      })
      .refine((data) => data.not_versioned || Object.keys(data.versions).length > 0, {
        path: ["versions"],
        message: "a versioned API needs at least one version",
      })
      .default({ not_versioned: true, default_version: "", versions: {} }),
    tags: z.array(z.string()).default([]),
    CORS: z.looseObject({}).optional(),
    /** A limit across all callers of the API (`API Rate Limit Exceeded`). */
    global_rate_limit: z
      .looseObject({ rate: z.number().default(0), per: z.number().default(0), disabled: z.boolean().default(false) })
      .default({ rate: 0, per: 0, disabled: false }),
    disable_rate_limit: z.boolean().default(false),
    disable_quota: z.boolean().default(false),
    /** Portcullis only: how this API's limits are counted; unset uses PORTCULLIS_RATELIMIT_MODE. */
    rate_limit_mode: z.enum(limitModes).optional(),
  });

export type ApiDefinition = z.output<typeof apiDefinitionSchema>;
export type VersionInfo = z.output<typeof versionInfoSchema>;
export type EndpointMeta = z.output<typeof endpointMetaSchema>;
export type MethodAction = z.output<typeof methodActionSchema>;
export type UrlRewrite = z.output<typeof urlRewriteSchema>;
export type RateLimitMeta = z.output<typeof rateLimitMetaSchema>;
export type AuthConfig = z.output<typeof authConfigSchema>;
export type BasicAuthSettings = z.output<typeof basicAuthSettingsSchema>;
