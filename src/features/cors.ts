import * as z from "zod";
import { defineFeature } from "../chain/feature";
import { editHeaders } from "../lib/response-headers";
import { TykError } from "../lib/tyk-error";
import { compileCorsPolicy, corsConfig, decideActualRequest, decidePreflight, isPreflight } from "./cors-policy";

/*
 * Tyk's CORSMiddleware (`CORS`), which runs right after the version check and
 * before authentication. Unless `options_passthrough` is on, the gateway
 * answers every OPTIONS request itself: a preflight with 204 and the CORS
 * headers rs/cors grants (only Vary when it grants nothing), any other OPTIONS
 * with an empty 200, and the chain stops (no auth, no upstream). Every other
 * request goes on and its answer gets the CORS headers, the gateway's own
 * errors included, as in Tyk, where they are set on the response writer before
 * later middleware runs, so browsers can read a 401.
 */

const fields = z.looseObject({
  // Go reads a null object as the zero value: CORS off.
  CORS: corsConfig.nullable().prefault({}),
});

const honours = [
  "enable",
  "allowed_origins",
  "allowed_methods",
  "allowed_headers",
  "exposed_headers",
  "allow_credentials",
  "max_age",
  "options_passthrough",
  "debug",
].map((field) => `CORS.${field}`);

/** Vary names the gateway's reasons first and keeps what the upstream varies on. */
function joinVary(ours: string, theirs: string | null | undefined): string {
  return theirs ? `${ours}, ${theirs}` : ours;
}

function applyTo(target: Headers, cors: Record<string, string>): void {
  for (const [name, value] of Object.entries(cors)) {
    // Tyk drops an upstream CORS header the gateway also sets (reverse_proxy.go removeDuplicateCORSHeader).
    target.set(name, name === "Vary" ? joinVary(value, target.get("vary")) : value);
  }
}

function withCorsHeadersOnError(error: TykError, cors: Record<string, string>): TykError {
  const varyKey = Object.keys(error.headers).find((name) => name.toLowerCase() === "vary");
  const { Vary: vary = "", ...rest } = cors;
  const headers: Record<string, string> = { ...rest };
  if (varyKey === undefined) headers.Vary = vary;
  else headers[varyKey] = joinVary(vary, error.headers[varyKey]);
  return error.withHeaders(headers);
}

export const cors = defineFeature({
  name: "CORSMiddleware",
  fields,
  honours,
  compile: (definition) => (definition.CORS?.enable ? compileCorsPolicy(definition.CORS) : undefined),
  step: (policy) => async (ctx, next) => {
    const headers = ctx.request.headers;
    const preflight = isPreflight(ctx.method, headers);
    const decision = preflight ? decidePreflight(policy, headers) : decideActualRequest(policy, ctx.method, headers);
    if (policy.debug) ctx.log.debug(`CORS: ${decision.note}`, { method: ctx.method, origin: headers.get("origin"), cors_headers: decision.headers });

    if (ctx.method === "OPTIONS" && !policy.passthrough) {
      // Tyk stops the chain for any OPTIONS; one that is not a preflight gets Go's empty 200.
      return new Response(null, { status: preflight ? 204 : 200, headers: decision.headers });
    }
    try {
      return editHeaders(await next(), (target) => applyTo(target, decision.headers));
    } catch (error) {
      if (error instanceof TykError) throw withCorsHeadersOnError(error, decision.headers);
      throw error;
    }
  },
});
