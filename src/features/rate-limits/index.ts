import { defineFeature } from "../../chain/feature";
import { compileApiLimits, limitFields, limitFieldsHonoured } from "./api-limits";
import { enforceLimits } from "./enforce";

/**
 * Tyk's RateLimitAndQuotaCheck (key rate limit, then quota) and
 * RateLimitForAPI (global_rate_limit and per-endpoint API limits) as one step,
 * counted in RateLimiter Durable Objects (src/ratelimit). A keyless API with
 * no API-level limit has no step.
 */
export const rateLimits = defineFeature({
  name: "RateLimitAndQuotaCheck + RateLimitForAPI",
  fields: limitFields,
  honours: limitFieldsHonoured,
  compile: (definition, api) => {
    const limits = compileApiLimits(definition, api.id);
    const apiLimited = !limits.rateLimitDisabled && (limits.global !== null || [...limits.endpoints.values()].some((entries) => entries.length > 0));
    const keysLimited = !api.keyless && !(limits.rateLimitDisabled && limits.quotaDisabled);
    return apiLimited || keysLimited ? limits : undefined;
  },
  step: (limits) => (ctx, next) => enforceLimits(ctx, next, limits),
});
