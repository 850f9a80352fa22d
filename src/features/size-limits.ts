import * as z from "zod";
import { compilePathPattern } from "../apidef/paths";
import { compileVersions, list, pathPattern, perVersionFragment } from "../apidef/schema";
import { defineFeature } from "../chain/feature";
import { ByteCap, withLength } from "../lib/bounded-body";
import { messages, TykError } from "../lib/tyk-error";

/*
 * Tyk's RequestSizeLimitMiddleware: a version's `global_size_limit` and the
 * first matching `extended_paths.size_limits` entry both hold the request body
 * to their size in bytes. Tyk judges the declared Content-Length: none → 411,
 * over a limit → 400. Methods that should carry no body (GET, DELETE, TRACE,
 * OPTIONS, HEAD) are not checked, as in Tyk. Tyk's server reads exactly the
 * declared length; a Worker can be handed a body longer than its header says
 * (service bindings, in-process callers), so the body is also counted as it
 * streams and cut off past the declared length that passed the check.
 */

const uncheckedMethods = new Set(["GET", "DELETE", "TRACE", "OPTIONS", "HEAD"]);

const sizeLimit = z.looseObject({
  path: pathPattern,
  method: z.string().default(""),
  disabled: z.boolean().default(false),
  size_limit: z.number().int().default(0),
});

const fields = perVersionFragment(
  { size_limits: list(sizeLimit) },
  {
    global_size_limit: z.number().int().default(0),
    global_size_limit_disabled: z.boolean().default(false),
  },
);

interface EndpointLimit {
  pattern: RegExp;
  method: string;
  limit: number;
}

interface VersionLimits {
  /** null: no global limit (0, negative or disabled). */
  global: number | null;
  /** Enabled entries in definition order; the first match applies. */
  endpoints: EndpointLimit[];
}

/** The declared body length, or Tyk's refusal when there is none or it is not a number. */
function declaredLength(headers: Headers): number {
  const stated = headers.get("content-length");
  if (stated === null || stated === "") throw new TykError(411, messages.contentLengthRequired);
  if (!/^\d+$/.test(stated.trim())) throw new TykError(400, messages.contentLengthInvalid);
  return Number(stated.trim());
}

export const sizeLimits = defineFeature({
  name: "RequestSizeLimitMiddleware",
  fields,
  honours: [
    "version_data.versions.*.global_size_limit",
    "version_data.versions.*.global_size_limit_disabled",
    ...["path", "method", "disabled", "size_limit"].map((field) => `version_data.versions.*.extended_paths.size_limits.*.${field}`),
  ],
  compile: (definition) => {
    const byVersion = compileVersions(definition, (version): VersionLimits | undefined => {
      // Tyk reads the global limit whatever `use_extended_paths` says; the endpoint list only with it.
      const global = version.global_size_limit > 0 && !version.global_size_limit_disabled ? version.global_size_limit : null;
      const entries = version.use_extended_paths ? version.extended_paths.size_limits : [];
      const endpoints = entries
        .filter((entry) => !entry.disabled)
        .map((entry) => ({ pattern: compilePathPattern(entry.path), method: entry.method, limit: entry.size_limit }));
      return global === null && endpoints.length === 0 ? undefined : { global, endpoints };
    });
    return byVersion.size > 0 ? byVersion : undefined;
  },
  step: (byVersion) => async (ctx, next) => {
    const limits = byVersion.get(ctx.version.name);
    if (!limits || uncheckedMethods.has(ctx.method)) return next();
    // Tyk matches the method exactly: an entry without one applies to no request.
    const endpoint = limits.endpoints.find((entry) => entry.method === ctx.method && entry.pattern.test(ctx.apiPath));
    const applicable = [limits.global, endpoint?.limit].filter((limit): limit is number => limit !== null && limit !== undefined);
    if (applicable.length === 0) return next();
    const limit = Math.min(...applicable);
    const declared = declaredLength(ctx.request.headers);
    if (declared > limit) throw new TykError(400, messages.requestTooLarge);
    if (!ctx.upstreamBody) return next();

    const cap = new ByteCap(declared, () => new TykError(400, messages.requestTooLarge));
    ctx.upstreamBody = withLength(cap.wrap(ctx.upstreamBody), declared);
    let response: Response;
    try {
      response = await next();
    } catch (error) {
      // workerd's fetch reports a failed body as "Network connection lost", not as the stream's error.
      throw cap.overflowed ?? error;
    }
    if (cap.overflowed) {
      await response.body?.cancel();
      throw cap.overflowed;
    }
    return response;
  },
});
