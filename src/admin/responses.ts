import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { GatewayEnv } from "../chain/gateway";

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

export type JsonBody = { ok: true; value: unknown } | { ok: false };

/** The request body as JSON; an empty or unparsable body is `{ ok: false }`. */
export async function readJsonBody(c: AdminContext): Promise<JsonBody> {
  const text = await c.req.text();
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** A body field that must be a string, or undefined when it is absent or of another type. */
export function stringField(document: unknown, name: string): string | undefined {
  if (typeof document !== "object" || document === null || Array.isArray(document)) return undefined;
  const value = (document as Record<string, unknown>)[name];
  return typeof value === "string" ? value : undefined;
}

/** Ids become storage keys and URL segments, so they must stay one clean segment. */
export function idError(id: string): string | null {
  if (id === "") return "must not be empty";
  return /^[^/?#\s]+$/.test(id) ? null : "must not contain '/', '?', '#' or spaces";
}
