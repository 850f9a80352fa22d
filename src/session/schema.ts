import { z } from "zod";

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
  quota_max: z.number().default(0),
  quota_renewal_rate: z.number().default(0),
  quota_remaining: z.number().default(0),
  quota_renews: z.number().default(0),
});

export const accessDefinitionSchema = z.looseObject({
  api_name: z.string().default(""),
  api_id: z.string().default(""),
  versions: z.array(z.string()).default([]),
  allowed_urls: z.array(allowedUrlSchema).default([]),
  limit: apiLimitSchema.optional(),
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
  access_rights: z.record(z.string(), accessDefinitionSchema).nullable().default({}).transform((value) => value ?? {}),
  apply_policy_id: z.string().default(""),
  apply_policies: z.array(z.string()).nullable().default([]).transform((value) => value ?? []),
  meta_data: z.record(z.string(), z.unknown()).nullable().default({}).transform((value) => value ?? {}),
  tags: z.array(z.string()).nullable().default([]).transform((value) => value ?? []),
  alias: z.string().default(""),
  date_created: z.string().optional(),
  last_updated: z.string().optional(),
});

export const policySchema = z.looseObject({
  id: z.string().default(""),
  name: z.string().default(""),
  org_id: z.string().default(""),
  rate: z.number().default(0),
  per: z.number().default(0),
  quota_max: z.number().default(0),
  quota_renewal_rate: z.number().default(0),
  access_rights: z.record(z.string(), accessDefinitionSchema).nullable().default({}).transform((value) => value ?? {}),
  active: z.boolean().default(true),
  is_inactive: z.boolean().default(false),
  tags: z.array(z.string()).nullable().default([]).transform((value) => value ?? []),
  key_expires_in: z.number().default(0),
  meta_data: z.record(z.string(), z.unknown()).nullable().default({}).transform((value) => value ?? {}),
});

export type Session = z.output<typeof sessionSchema>;
export type AccessDefinition = z.output<typeof accessDefinitionSchema>;
export type Policy = z.output<typeof policySchema>;
