import * as z from "zod";

/*
 * Tyk's session object (a "key") and policy object. Loose objects keep every
 * field Tyk has, so keys migrated from Tyk survive a read-modify-write. Tyk omits
 * zero fields when it serialises, so every field here is optional with Tyk's
 * zero value as default.
 */

const allowedUrlSchema = z.looseObject({
  url: z.string(),
  methods: z.array(z.string()).default([]),
});

export const apiLimitSchema = z.looseObject({
  rate: z.number().default(0),
  per: z.number().default(0),
  throttle_interval: z.number().default(0),
  throttle_retry_limit: z.number().default(0),
  max_query_depth: z.number().default(0),
  quota_max: z.number().default(0),
  quota_renewal_rate: z.number().default(0),
  quota_remaining: z.number().default(0),
  quota_renews: z.number().default(0),
});

export const accessDefinitionSchema = z.looseObject({
  api_name: z.string().default(""),
  api_id: z.string().default(""),
  versions: z.array(z.string()).default([]),
  allowed_urls: z
    .array(allowedUrlSchema)
    .nullable()
    .default([])
    .transform((value) => value ?? []),
  limit: apiLimitSchema
    .nullable()
    .optional()
    .transform((value) => value ?? undefined),
  /** The counter scope for per-API limits: the API id, or the policy that set the limit. */
  allowance_scope: z.string().default(""),
});

const isJsonObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Access rights by API id. zod's records drop a `__proto__` key, and an API
 * may have that id: a key limited to it would then read as a key without
 * access rights, a master key. The entries go through a Map instead, and come
 * out as own properties (read them with `accessTo`, never `rights[apiId]`).
 */
const accessRightsSchema = z
  .preprocess(
    (raw) => (isJsonObject(raw) ? new Map(Object.entries(raw)) : raw),
    z.map(z.string(), accessDefinitionSchema, { error: "Invalid input: expected an object of access rights by API id" }),
  )
  .transform((rights): Record<string, AccessDefinition> => Object.fromEntries(rights));

/** `basic_auth_data.hash_type`: "" is plain text in Tyk; anything unknown is checked as bcrypt. */
export const basicAuthDataSchema = z.looseObject({
  password: z.string().default(""),
  hash_type: z.string().default(""),
});

export const sessionSchema = z.looseObject({
  rate: z.number().default(0),
  per: z.number().default(0),
  allowance: z.number().default(0),
  quota_max: z.number().default(0),
  quota_remaining: z.number().default(0),
  quota_renews: z.number().default(0),
  quota_renewal_rate: z.number().default(0),
  expires: z.number().default(0),
  is_inactive: z.boolean().default(false),
  org_id: z.string().default(""),
  access_rights: accessRightsSchema
    .nullable()
    .default({})
    .transform((value) => value ?? {}),
  apply_policy_id: z.string().default(""),
  apply_policies: z
    .array(z.string())
    .nullable()
    .default([])
    .transform((value) => value ?? []),
  meta_data: z
    .record(z.string(), z.unknown())
    .nullable()
    .default({})
    .transform((value) => value ?? {}),
  tags: z
    .array(z.string())
    .nullable()
    .default([])
    .transform((value) => value ?? []),
  alias: z.string().default(""),
  date_created: z.string().optional(),
  last_updated: z.string().optional(),
  throttle_interval: z.number().default(0),
  throttle_retry_limit: z.number().default(0),
  max_query_depth: z.number().default(0),
  oauth_client_id: z.string().default(""),
  basic_auth_data: basicAuthDataSchema.optional(),
  jwt_data: z.looseObject({ secret: z.string().default("") }).optional(),
  hmac_enabled: z.boolean().default(false),
  enable_http_signature_validation: z.boolean().default(false),
  /** The HMAC secret (Tyk's Go name is HmacSecret). */
  hmac_string: z.string().default(""),
  /** Seconds the stored key lives; 0 defers to the API's `session_lifetime`. */
  session_lifetime: z.number().default(0),
});

/** Which parts of a policy apply; none set means the whole policy (Tyk's `partitions`). */
export const policyPartitionsSchema = z.looseObject({
  quota: z.boolean().default(false),
  rate_limit: z.boolean().default(false),
  acl: z.boolean().default(false),
  complexity: z.boolean().default(false),
  per_api: z.boolean().default(false),
});

const noPartitions = policyPartitionsSchema.parse({});

export const policySchema = z.looseObject({
  id: z.string().default(""),
  name: z.string().default(""),
  org_id: z.string().default(""),
  rate: z.number().default(0),
  per: z.number().default(0),
  quota_max: z.number().default(0),
  quota_renewal_rate: z.number().default(0),
  throttle_interval: z.number().default(0),
  throttle_retry_limit: z.number().default(0),
  max_query_depth: z.number().default(0),
  access_rights: accessRightsSchema
    .nullable()
    .default({})
    .transform((value) => value ?? {}),
  hmac_enabled: z.boolean().default(false),
  enable_http_signature_validation: z.boolean().default(false),
  partitions: policyPartitionsSchema
    .nullable()
    .optional()
    .transform((value) => value ?? noPartitions),
  last_updated: z.string().default(""),
  active: z.boolean().default(true),
  is_inactive: z.boolean().default(false),
  tags: z
    .array(z.string())
    .nullable()
    .default([])
    .transform((value) => value ?? []),
  key_expires_in: z.number().default(0),
  meta_data: z
    .record(z.string(), z.unknown())
    .nullable()
    .default({})
    .transform((value) => value ?? {}),
});

export type Session = z.output<typeof sessionSchema>;
export type AccessDefinition = z.output<typeof accessDefinitionSchema>;
export type Policy = z.output<typeof policySchema>;
export type ApiLimit = z.output<typeof apiLimitSchema>;
