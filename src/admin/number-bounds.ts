import * as z from "zod";
import { maxStoreTtlSeconds } from "./limits";

/*
 * Numbers in keys and policies that Tyk keeps as Go int64: a fraction does not
 * decode there, and past 2^53 a number stops being exact here (zod's int() is
 * the safe-integer range). Rates, intervals and allowances are floats in Tyk
 * too and only need to be finite, which the JSON reader already checked.
 * Checked on the body as sent, next to the session and policy schemas.
 */

const whole = z.number().int().optional();

const limitBounds = z
  .looseObject({
    quota_max: whole,
    quota_remaining: whole,
    quota_renews: whole,
    quota_renewal_rate: whole,
    throttle_retry_limit: whole,
    max_query_depth: whole,
  })
  .nullable()
  .optional();

const accessRightsBounds = z
  .record(z.string(), z.looseObject({ limit: limitBounds }))
  .nullable()
  .optional();

export const sessionBounds = z.looseObject({
  expires: whole,
  quota_max: whole,
  quota_remaining: whole,
  quota_renews: whole,
  quota_renewal_rate: whole,
  throttle_retry_limit: whole,
  max_query_depth: whole,
  // Becomes the stored key's expiry TTL, which Workers KV takes up to 2^31 - 1 seconds.
  session_lifetime: z
    .number()
    .max(maxStoreTtlSeconds, { message: `must be at most ${maxStoreTtlSeconds} seconds (about 68 years)`, abort: true })
    .int()
    .optional(),
  access_rights: accessRightsBounds,
});

export const policyBounds = z.looseObject({
  quota_max: whole,
  quota_renewal_rate: whole,
  throttle_retry_limit: whole,
  max_query_depth: whole,
  key_expires_in: whole,
  access_rights: accessRightsBounds,
});
