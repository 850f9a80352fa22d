import * as z from "zod";
import { authConfigSchema, defaultAuthConfig, type AuthConfig } from "../../auth/credentials";
import { compileExternalOAuth, externalOAuthSchema } from "../../auth/external-oauth";
import { decodeKeySource } from "../../auth/jwt-keys";
import { list, regexError } from "../../apidef/schema";
import { defineFeature } from "../../chain/feature";
import type { Identity } from "../../chain/identity";
import { authFailureMeta, isCredentialRefusal } from "../../events/meta";
import { isolateLogger } from "../../lib/logger";
import { safeRegExp } from "../../lib/regex-safety";
import { authenticateBasic } from "./basic";
import { authenticateExternalOAuth } from "./external-oauth";
import { authenticateHmac } from "./hmac";
import { authenticateJwt } from "./jwt";
import { authenticateOAuth2 } from "./oauth2";
import { jwtScopeOptions, scopeFields, scopeHonours } from "./jwt-scopes";
import { authenticateOidc, compileOidc, oidcFields, oidcHonours } from "./oidc";
import { authMethodOrder, type AuthMethod, type Authenticator, type AuthOptions } from "./options";
import { authenticateToken } from "./token";
import { usesCertificate } from "./certificate";
import { authenticateCustom, compileCustomAuth, PluginRefusal } from "./custom-auth";
import { customAuthEnabled, pluginFields } from "../plugin-hooks/fields";

/*
 * Classic Tyk's auth chain: every enabled method runs, in the order
 * basic → HMAC → JWT → auth token, and all must pass; the first failure
 * answers (an auth_check plugin may answer with its own refusal). The request carries the session of the base identity method
 * (`base_identity_provided_by`), which is what rate limits, quotas and
 * analytics key on. Keyless APIs have no auth step; ignored paths skip it.
 */

const basicAuthSettings = z
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

const fields = z.looseObject({
  name: z.string().default(""),
  use_keyless: z.boolean().default(false),
  use_standard_auth: z.boolean().default(false),
  auth: authConfigSchema.default(defaultAuthConfig),
  /** Newer per-method settings; `auth_configs.authToken` wins over `auth`. */
  auth_configs: z.record(z.string(), authConfigSchema).default({}),
  use_basic_auth: z.boolean().default(false),
  basic_auth: basicAuthSettings.default(() => basicAuthSettings.parse({})),
  enable_signature_checking: z.boolean().default(false),
  hmac_allowed_algorithms: list(z.string()),
  /** Milliseconds; 0 or less turns the check off. */
  hmac_allowed_clock_skew: z.number().default(0),
  enable_jwt: z.boolean().default(false),
  jwt_signing_method: z.enum(["hmac", "rsa", "ecdsa", ""]).default(""),
  /** Base64 of the HMAC secret or PEM public key, or a JWKS URL (plain or base64). */
  jwt_source: z.string().default(""),
  jwt_identity_base_field: z.string().default(""),
  jwt_policy_field_name: z.string().default(""),
  jwt_client_base_field: z.string().default(""),
  jwt_default_policies: list(z.string()),
  jwt_skip_kid: z.boolean().default(false),
  jwt_issued_at_validation_skew: z.number().nonnegative().default(0),
  jwt_not_before_validation_skew: z.number().nonnegative().default(0),
  jwt_expires_at_validation_skew: z.number().nonnegative().default(0),
  base_identity_provided_by: z.string().default(""),
  use_oauth2: z.boolean().default(false),
  external_oauth: externalOAuthSchema.default(() => externalOAuthSchema.parse({})),
  ...scopeFields,
  ...oidcFields,
  // custom_middleware, config_data and the custom auth switches (the plugin-hooks feature honours them).
  ...pluginFields.omit({ use_keyless: true }).shape,
});

type AuthFields = z.output<typeof fields>;

const authConfigFields = ["auth_header_name", "use_param", "param_name", "use_cookie", "cookie_name", "disable_header"];

const authenticators: Record<AuthMethod, Authenticator> = {
  oauth_key: authenticateOAuth2,
  external_oauth: authenticateExternalOAuth,
  basic_auth_user: authenticateBasic,
  hmac_key: authenticateHmac,
  jwt_claim: authenticateJwt,
  oidc_user: authenticateOidc,
  custom_auth: authenticateCustom,
  auth_token: authenticateToken,
};

/** The auth token runs when `use_standard_auth` is set or nothing else is (api_loader.go). */
function methodsOf(definition: AuthFields): AuthMethod[] {
  const enabled: Record<AuthMethod, boolean> = {
    oauth_key: definition.use_oauth2,
    external_oauth: definition.external_oauth.enabled,
    basic_auth_user: definition.use_basic_auth,
    hmac_key: definition.enable_signature_checking,
    jwt_claim: definition.enable_jwt,
    oidc_user: definition.use_openid,
    custom_auth: customAuthEnabled(definition),
    auth_token: definition.use_standard_auth,
  };
  const methods = authMethodOrder.filter((method) => enabled[method]);
  return methods.length > 0 ? methods : ["auth_token"];
}

/**
 * Tyk lets each method whose name matches `base_identity_provided_by` (or any
 * method when it is empty) set the session, so the last one wins. A name that
 * is not among the enabled methods falls back to that last one too, where Tyk
 * would leave the request without a session.
 */
function baseIdentityOf(methods: AuthMethod[], providedBy: string): AuthMethod {
  return methods.find((method) => method === providedBy) ?? methods.at(-1)!;
}

/** Where a method reads its credential: `auth_configs.<type>`; the token and JWT fall back to `auth`, basic and HMAC to `Authorization`. */
function configFor(definition: AuthFields, type: "authToken" | "basic" | "hmac" | "jwt" | "oidc" | "oauth"): AuthConfig {
  const configured = definition.auth_configs[type];
  if (configured) return configured;
  return type === "authToken" || type === "jwt" ? definition.auth : defaultAuthConfig;
}

function compileAuth(definition: AuthFields, apiId: string, maxBodyBytes: number): AuthOptions {
  const methods = methodsOf(definition);
  const basic = definition.basic_auth;
  const source = decodeKeySource(definition.jwt_source);
  if (definition.enable_jwt && source.kind === "invalid") isolateLogger.error("jwt_source is neither a URL nor base64", { api_id: apiId });
  return {
    methods,
    baseIdentity: baseIdentityOf(methods, definition.base_identity_provided_by),
    token: configFor(definition, "authToken"),
    oauth: { config: configFor(definition, "oauth") },
    tokenUsesCertificate: usesCertificate(configFor(definition, "authToken")),
    basic: {
      config: configFor(definition, "basic"),
      realm: definition.name,
      body: basic.extract_from_body ? { user: safeRegExp(basic.body_user_regexp), password: safeRegExp(basic.body_password_regexp) } : null,
      cacheTtlMs: basic.disable_caching ? null : (basic.cache_ttl > 0 ? basic.cache_ttl : 60) * 1000,
    },
    hmac: {
      config: configFor(definition, "hmac"),
      allowedAlgorithms: definition.hmac_allowed_algorithms,
      clockSkewMs: definition.hmac_allowed_clock_skew,
    },
    jwt: {
      config: configFor(definition, "jwt"),
      // Tyk defaults an unset signing method to HMAC.
      family: definition.jwt_signing_method || "hmac",
      source,
      identityField: definition.jwt_identity_base_field,
      policyField: definition.jwt_policy_field_name,
      clientField: definition.jwt_client_base_field,
      defaultPolicies: definition.jwt_default_policies,
      skipKid: definition.jwt_skip_kid,
      skews: {
        expiresAt: definition.jwt_expires_at_validation_skew,
        issuedAt: definition.jwt_issued_at_validation_skew,
        notBefore: definition.jwt_not_before_validation_skew,
      },
      scopes: jwtScopeOptions(definition),
    },
    externalOAuth: compileExternalOAuth(definition.external_oauth, definition.auth_configs["externalOAuth"] ?? defaultAuthConfig),
    oidc: compileOidc(definition, configFor(definition, "oidc"), apiId),
    customAuth: compileCustomAuth(definition, maxBodyBytes),
  };
}

export const authentication = defineFeature({
  name: "Authentication",
  fields,
  honours: [
    "use_standard_auth",
    ...authConfigFields.map((field) => `auth.${field}`),
    ...authConfigFields.map((field) => `auth_configs.*.${field}`),
    "use_basic_auth",
    "basic_auth",
    "enable_signature_checking",
    "hmac_allowed_algorithms",
    "hmac_allowed_clock_skew",
    "enable_jwt",
    "jwt_signing_method",
    "jwt_source",
    "jwt_identity_base_field",
    "jwt_policy_field_name",
    "jwt_client_base_field",
    "jwt_default_policies",
    "jwt_skip_kid",
    "jwt_issued_at_validation_skew",
    "jwt_not_before_validation_skew",
    "jwt_expires_at_validation_skew",
    "base_identity_provided_by",
    "auth.use_certificate",
    "auth_configs.*.use_certificate",
    "external_oauth",
    ...scopeHonours,
    ...oidcHonours,
  ],
  compile: (definition, api, settings) => (api.keyless ? undefined : compileAuth(definition, api.id, settings.transformMaxBytes)),
  step: (options) => async (ctx, next) => {
    if (ctx.ignoredPath) {
      ctx.identity = null;
      return next();
    }
    let base: Identity | undefined;
    for (const method of options.methods) {
      let identity: Identity;
      try {
        identity = await authenticators[method](ctx, options);
      } catch (error) {
        // An auth_check plugin refused with its own answer.
        if (error instanceof PluginRefusal) return error.response;
        if (isCredentialRefusal(error)) ctx.events?.raise(ctx, "AuthFailure", authFailureMeta(ctx, error.message));
        throw error;
      }
      if (method === options.baseIdentity) base = identity;
    }
    ctx.identity = base ?? null;
    return next();
  },
});
