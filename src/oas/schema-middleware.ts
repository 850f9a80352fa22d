import * as z from "zod";
import { endpointPostPluginSchema, globalPluginFields, virtualEndpointSchema } from "./schema-plugins";

/*
 * The middleware part of Tyk's `x-tyk-api-gateway` extension: what Portcullis
 * maps to classic middleware is typed strictly (a wrong type is an issue with
 * its JSON path); everything else is kept (loose objects) so the converter can
 * name it as unmapped instead of dropping it silently.
 */

const enabled = z.boolean();

export const headerSchema = z.looseObject({ name: z.string(), value: z.string() });

export const allowanceSchema = z.looseObject({ enabled, ignoreCase: z.boolean().optional() });

export const transformHeadersSchema = z.looseObject({
  enabled,
  remove: z.array(z.string()).optional(),
  add: z.array(headerSchema).optional(),
});

export const transformRequestMethodSchema = z.looseObject({ enabled, toMethod: z.string() });

const rewriteRuleSchema = z.looseObject({
  in: z.enum(["query", "path", "header", "sessionMetadata", "requestContext", "requestBody"]),
  name: z.string().optional(),
  pattern: z.string(),
  negate: z.boolean().optional(),
});

export const urlRewriteSchema = z.looseObject({
  enabled,
  pattern: z.string(),
  rewriteTo: z.string(),
  triggers: z.array(z.looseObject({ condition: z.enum(["any", "all"]), rewriteTo: z.string(), rules: z.array(rewriteRuleSchema).optional() })).optional(),
});

/** Go durations as Tyk's schema writes them: "1h2m3s", "500ms". */
const duration = z.string().regex(/^(\d+h)?(\d+m)?(\d+(\.\d+)?s)?(\d+ms)?$/, "a duration such as 10s or 1m30s");

export const rateLimitSchema = z.looseObject({ enabled, rate: z.number().nonnegative(), per: duration });

export const requestSizeLimitSchema = z.looseObject({ enabled, value: z.number().int().nonnegative() });

export const enforceTimeoutSchema = z.looseObject({ enabled, value: z.number().int().nonnegative().optional(), duration: duration.optional() });

export const circuitBreakerSchema = z.looseObject({
  enabled,
  threshold: z.number().min(0).max(1),
  sampleSize: z.number().int().nonnegative(),
  coolDownPeriod: z.number().int().nonnegative(),
  halfOpenStateEnabled: z.boolean(),
});

export const operationCacheSchema = z.looseObject({
  enabled,
  cacheByRegex: z.string().optional(),
  cacheResponseCodes: z.array(z.number().int()).optional(),
  timeout: z.number().int().nonnegative().optional(),
});

export const validateRequestSchema = z.looseObject({ enabled, errorResponseCode: z.number().int().min(100).max(599).optional() });

export const mockResponseSchema = z.looseObject({
  enabled,
  code: z.number().int().optional(),
  body: z.string().optional(),
  headers: z.array(headerSchema).optional(),
  fromOASExamples: z
    .looseObject({ enabled, code: z.number().int().optional(), contentType: z.string().optional(), exampleName: z.string().optional() })
    .optional(),
});

/** A body template: `body` is the template in base64, `path` a file (which Workers cannot read). */
export const transformBodySchema = z.looseObject({
  enabled,
  format: z.enum(["json", "xml"]),
  body: z.string().optional(),
  path: z.string().optional(),
});

export const trackEndpointSchema = z.looseObject({ enabled });

export const operationSchema = z.looseObject({
  allow: allowanceSchema.optional(),
  block: allowanceSchema.optional(),
  ignoreAuthentication: allowanceSchema.optional(),
  transformRequestMethod: transformRequestMethodSchema.optional(),
  transformRequestHeaders: transformHeadersSchema.optional(),
  transformResponseHeaders: transformHeadersSchema.optional(),
  urlRewrite: urlRewriteSchema.optional(),
  rateLimit: rateLimitSchema.optional(),
  requestSizeLimit: requestSizeLimitSchema.optional(),
  enforceTimeout: enforceTimeoutSchema.optional(),
  circuitBreaker: circuitBreakerSchema.optional(),
  cache: operationCacheSchema.optional(),
  validateRequest: validateRequestSchema.optional(),
  mockResponse: mockResponseSchema.optional(),
  transformRequestBody: transformBodySchema.optional(),
  transformResponseBody: transformBodySchema.optional(),
  virtualEndpoint: virtualEndpointSchema.optional(),
  trackEndpoint: trackEndpointSchema.optional(),
  doNotTrackEndpoint: trackEndpointSchema.optional(),
  postPlugins: z.array(endpointPostPluginSchema).optional(),
});

export const corsSchema = z.looseObject({
  enabled,
  maxAge: z.number().int().optional(),
  allowCredentials: z.boolean().optional(),
  exposedHeaders: z.array(z.string()).optional(),
  allowedHeaders: z.array(z.string()).optional(),
  optionsPassthrough: z.boolean().optional(),
  debug: z.boolean().optional(),
  allowedOrigins: z.array(z.string()).optional(),
  allowedMethods: z.array(z.string()).optional(),
});

export const globalCacheSchema = z.looseObject({
  enabled: z.boolean().optional(),
  timeout: z.number().int().optional(),
  cacheAllSafeRequests: z.boolean().optional(),
  cacheResponseCodes: z.array(z.number().int()).optional(),
  cacheByHeaders: z.array(z.string()).optional(),
  enableUpstreamCacheControl: z.boolean().optional(),
  controlTTLHeaderName: z.string().optional(),
});

export const globalSchema = z.looseObject({
  cors: corsSchema.optional(),
  cache: globalCacheSchema.optional(),
  transformRequestHeaders: transformHeadersSchema.optional(),
  transformResponseHeaders: transformHeadersSchema.optional(),
  contextVariables: z.looseObject({ enabled }).optional(),
  ignoreCase: z.looseObject({ enabled }).optional(),
  trafficLogs: z.looseObject({ enabled, tagHeaders: z.array(z.string()).optional() }).optional(),
  requestSizeLimit: z.looseObject({ enabled, value: z.number().int().nonnegative() }).optional(),
  skipRateLimit: z.boolean().optional(),
  skipQuota: z.boolean().optional(),
  skipQuotaReset: z.boolean().optional(),
  ...globalPluginFields,
});

export const middlewareSchema = z.looseObject({
  global: globalSchema.optional(),
  operations: z.record(z.string(), operationSchema).optional(),
});

export type OasOperationMiddleware = z.infer<typeof operationSchema>;
export type OasGlobalMiddleware = z.infer<typeof globalSchema>;
export type OasTransformHeaders = z.infer<typeof transformHeadersSchema>;
export type OasTransformBody = z.infer<typeof transformBodySchema>;
