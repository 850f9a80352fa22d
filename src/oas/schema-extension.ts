import * as z from "zod";
import { errorOverridesSchema } from "./schema-error-overrides";
import { middlewareSchema } from "./schema-middleware";
import { customAuthenticationSchema } from "./schema-plugins";

/*
 * Tyk's `x-tyk-api-gateway` extension (info, upstream, server, middleware),
 * learned from Tyk's JSON Schema and written anew: mapped fields are typed,
 * the rest is kept for the converter's list of unmapped fields.
 */

const nonEmpty = z.string().regex(/\S/, "a non-empty string");

const authSourceSchema = z.looseObject({ enabled: z.boolean(), name: z.string().optional() });

const sources = {
  header: authSourceSchema.optional(),
  cookie: authSourceSchema.optional(),
  query: authSourceSchema.optional(),
};

/** One of Tyk's security scheme objects; which kind it is comes from `components.securitySchemes`. */
export const securitySchemeSchema = z.looseObject({
  enabled: z.boolean().optional(),
  ...sources,
  // JWT
  source: z.string().optional(),
  signingMethod: z.string().optional(),
  identityBaseField: z.string().optional(),
  policyFieldName: z.string().optional(),
  defaultPolicies: z.array(z.string()).optional(),
  skipKid: z.boolean().optional(),
  notBeforeValidationSkew: z.number().int().optional(),
  issuedAtValidationSkew: z.number().int().optional(),
  expiresAtValidationSkew: z.number().int().optional(),
  // basic
  disableCaching: z.boolean().optional(),
  cacheTTL: z.number().int().optional(),
});

export const authenticationSchema = z.looseObject({
  enabled: z.boolean().optional(),
  stripAuthorizationData: z.boolean().optional(),
  baseIdentityProvider: z.enum(["auth_token", "hmac_key", "basic_auth_user", "jwt_claim", "oidc_user", "oauth_key", "custom_auth", ""]).optional(),
  hmac: z
    .looseObject({ enabled: z.boolean(), ...sources, allowedAlgorithms: z.array(z.string()).optional(), allowedClockSkew: z.number().optional() })
    .optional(),
  securitySchemes: z.record(z.string(), securitySchemeSchema).optional(),
  custom: customAuthenticationSchema.optional(),
});

export const versioningSchema = z.looseObject({
  enabled: z.boolean().optional(),
  name: z.string().optional(),
  default: z.string().optional(),
  location: z.enum(["header", "url-param", "url"]),
  key: z.string().optional(),
  versions: z.array(z.looseObject({ name: nonEmpty, id: nonEmpty })).optional(),
  stripVersioningData: z.boolean().optional(),
  fallbackToDefault: z.boolean().optional(),
  urlVersioningPattern: z.string().optional(),
});

export const infoSchema = z.looseObject({
  id: z.string().optional(),
  dbId: z.string().optional(),
  orgId: z.string().optional(),
  name: nonEmpty,
  expiration: z.string().optional(),
  state: z.looseObject({ active: z.boolean(), internal: z.boolean().optional() }),
  versioning: versioningSchema.optional(),
});

export const loadBalancingSchema = z.looseObject({
  enabled: z.boolean(),
  skipUnavailableHosts: z.boolean().optional(),
  targets: z.array(z.looseObject({ url: z.string(), weight: z.number().int().nonnegative() })).optional(),
});

export const upstreamSchema = z.looseObject({
  url: z.string().optional(),
  loadBalancing: loadBalancingSchema.optional(),
  serviceDiscovery: z
    .looseObject({
      enabled: z.boolean(),
      queryEndpoint: z.string().optional(),
      dataPath: z.string().optional(),
      useNestedQuery: z.boolean().optional(),
      parentDataPath: z.string().optional(),
      portDataPath: z.string().optional(),
      useTargetList: z.boolean().optional(),
      cache: z.looseObject({ enabled: z.boolean(), timeout: z.number().int().optional() }).optional(),
      cacheTimeout: z.number().int().optional(),
      targetPath: z.string().optional(),
      endpointReturnsList: z.boolean().optional(),
    })
    .optional(),
  uptimeTests: z
    .looseObject({
      enabled: z.boolean(),
      hostDownRetestPeriod: z.string().optional(),
      logRetentionPeriod: z.string().optional(),
      tests: z
        .array(
          z.looseObject({
            url: z.string().optional(),
            method: z.string().optional(),
            timeout: z.string().optional(),
            headers: z.record(z.string(), z.string()).optional(),
            body: z.string().optional(),
            enableProxyProtocol: z.boolean().optional(),
            commands: z.array(z.looseObject({ name: z.string().optional(), message: z.string().optional() })).optional(),
          }),
        )
        .optional(),
    })
    .optional(),
  preserveHostHeader: z.looseObject({ enabled: z.boolean() }).optional(),
  preserveTrailingSlash: z.looseObject({ enabled: z.boolean() }).optional(),
});

export const serverSchema = z.looseObject({
  listenPath: z.looseObject({ value: nonEmpty, strip: z.boolean().optional() }),
  customDomain: z.looseObject({ enabled: z.boolean(), name: z.string(), certificates: z.array(z.string()).optional() }).optional(),
  authentication: authenticationSchema.optional(),
  gatewayTags: z.looseObject({ enabled: z.boolean(), tags: z.array(z.string()).optional() }).optional(),
});

export const extensionSchema = z.looseObject({
  info: infoSchema,
  upstream: upstreamSchema,
  server: serverSchema,
  middleware: middlewareSchema.optional(),
  errorOverrides: errorOverridesSchema.optional(),
});

export type OasExtension = z.infer<typeof extensionSchema>;
export type OasSecurityScheme = z.infer<typeof securitySchemeSchema>;
