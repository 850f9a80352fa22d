import * as z from "zod";
import { compilePathPattern } from "../apidef/paths";
import { compileVersions, list, pathPattern, perVersionFragment } from "../apidef/schema";
import { breakerName, type BreakerSpec } from "../breaker/registry";
import type { RequestContext } from "../chain/context";
import { defineFeature } from "../chain/feature";
import { messages, TykError } from "../lib/tyk-error";

/*
 * Tyk's circuit breakers (`extended_paths.circuit_breakers`, enforced by the
 * reverse proxy): the first enabled entry whose path and method match the
 * request guards it. While the breaker is open the request is refused with
 * 503 "Service temporarily unavailable." and never reaches the upstream. A
 * failure is what Tyk counts as one: no answer from the upstream (a transport
 * error or a timeout, thrown further down the chain) or an answer of 500-599.
 * As in Tyk the breaker sees the request as it goes upstream: the path after
 * URL rewrites and the method after method transforms, the method compared
 * exactly. The state machine and how isolates share it are in src/breaker/.
 */

/** Tyk reads a number; Tyk Operator writes the fraction as a string ("0.5"), so both are taken. */
const fraction = z.union([
  z.number(),
  z
    .string()
    .trim()
    .regex(/^\d*\.?\d+$/, "must be a number")
    .transform(Number),
]);

const circuitBreakerEntry = z.looseObject({
  path: pathPattern,
  method: z.string().default(""),
  disabled: z.boolean().default(false),
  threshold_percent: fraction.default(0),
  samples: z.number().int().default(0),
  return_to_service_after: z.number().int().default(0),
  disable_half_open_state: z.boolean().default(false),
});

const entryFields = ["path", "method", "disabled", "threshold_percent", "samples", "return_to_service_after", "disable_half_open_state"];

interface GuardedEndpoint {
  pattern: RegExp;
  method: string;
  spec: BreakerSpec;
}

/** The first entry that guards the request as it goes upstream (Tyk matches the method exactly). */
function guardedEndpoint(endpoints: GuardedEndpoint[] | undefined, ctx: RequestContext): GuardedEndpoint | undefined {
  if (!endpoints) return undefined;
  const method = ctx.upstreamMethod;
  const path = ctx.rewrittenUrl ? ctx.rewrittenUrl.pathname : ctx.apiPath;
  for (const endpoint of endpoints) if (endpoint.method === method && endpoint.pattern.test(path)) return endpoint;
  return undefined;
}

export const circuitBreakers = defineFeature({
  name: "CircuitBreaker",
  fields: perVersionFragment({ circuit_breakers: list(circuitBreakerEntry) }),
  honours: entryFields.map((field) => `version_data.versions.*.extended_paths.circuit_breakers.*.${field}`),
  compile: (definition, api) => {
    const byVersion = compileVersions(definition, (version, name) => {
      if (!version.use_extended_paths) return undefined;
      const endpoints = version.extended_paths.circuit_breakers
        .filter((entry) => !entry.disabled)
        .map<GuardedEndpoint>((entry) => ({
          pattern: compilePathPattern(entry.path),
          method: entry.method,
          spec: {
            name: breakerName(api.id, name, entry.method, entry.path),
            settings: {
              threshold: entry.threshold_percent,
              minSamples: entry.samples,
              cooldownMs: entry.return_to_service_after * 1000,
              halfOpen: !entry.disable_half_open_state,
            },
            labels: { api_id: api.id, version: name, method: entry.method, path: entry.path },
          },
        }));
      return endpoints.length > 0 ? endpoints : undefined;
    });
    return byVersion.size > 0 ? byVersion : undefined;
  },
  step: (byVersion) => async (ctx, next) => {
    const endpoint = guardedEndpoint(byVersion.get(ctx.version.name), ctx);
    if (!endpoint) return next();
    const breaker = ctx.gateway.breakers.for(endpoint.spec, ctx.events);
    const decided = breaker.admit(Date.now(), ctx.waitUntil);
    const admission = typeof decided === "string" ? decided : await decided;
    if (admission === "refuse") throw new TykError(503, messages.breakerOpen);

    let response: Response;
    try {
      response = await next();
    } catch (error) {
      // No answer from the upstream counts against it; this gateway's own refusals (4xx) never reached it.
      if (!(error instanceof TykError && error.status < 500)) await breaker.settle(admission, true, Date.now(), ctx.waitUntil);
      throw error;
    }
    const report = breaker.settle(admission, response.status >= 500 && response.status <= 599, Date.now(), ctx.waitUntil);
    if (report) await report;
    return response;
  },
});
