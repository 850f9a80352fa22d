import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { GatewayEnv } from "../chain/gateway";
import { readJsonWithin, type JsonProblem, type JsonRead } from "../lib/bounded-json";
import { adminBodyLimits } from "./limits";

/*
 * Tyk's two Gateway API response shapes (gateway/api.go): a status message
 * `{"status","message"}` and a modify result `{"key","status","action","key_hash"}`.
 */

type AdminContext = Context<GatewayEnv>;

export type ModifyAction = "added" | "modified" | "deleted";

export function apiError(c: AdminContext, status: ContentfulStatusCode, message: string): Response {
  return c.json({ status: "error", message }, status);
}

/** `key_hash` is left out when there is none, as Tyk omits it; `extra` adds Portcullis' own fields (API warnings). */
export function modified(c: AdminContext, key: string, action: ModifyAction, keyHash?: string, extra: Record<string, unknown> = {}): Response {
  return c.json({ key, status: "ok", action, ...(keyHash === undefined ? {} : { key_hash: keyHash }), ...extra }, 200);
}

export function methodNotSupported(c: AdminContext): Response {
  return apiError(c, 405, "Method not supported");
}

/** The request body as JSON, within the Gateway API's size and nesting limits. */
export function readJsonBody(c: AdminContext): Promise<JsonRead> {
  return readJsonWithin(c.req.raw, adminBodyLimits);
}

/**
 * The answer to a body that could not be read: 413 when it is too large,
 * else 400 with the route's `malformed` message (Tyk's, for bad JSON) and
 * what is wrong.
 */
export function bodyRefused(c: AdminContext, problem: JsonProblem, malformed: string): Response {
  switch (problem.kind) {
    case "too-large":
      return apiError(c, 413, `Request body too large: the Gateway API accepts at most ${adminBodyLimits.maxBytes} bytes`);
    case "too-deep":
      return apiError(c, 400, `${malformed}: JSON nests deeper than ${adminBodyLimits.maxDepth} levels`);
    case "syntax":
      return apiError(c, 400, malformed);
    case "value":
      return apiError(c, 400, `${malformed}: ${problem.path}: ${problem.message}`);
  }
}

/** A body field that must be a string, or undefined when it is absent or of another type. */
export function stringField(document: unknown, name: string): string | undefined {
  if (typeof document !== "object" || document === null || Array.isArray(document)) return undefined;
  const value = (document as Record<string, unknown>)[name];
  return typeof value === "string" ? value : undefined;
}
