import { createMiddleware } from "hono/factory";
import { messages, TykError } from "../errors";
import { waitUntilOf } from "../middleware/wait-until";
import type { GatewayEnv } from "../types";
import { authTokenConfig, extractKey } from "./credentials";

/**
 * Tyk's auth token (key) check: missing key is 401, unknown key is 403. The
 * session comes from the isolate cache; the store is read only on a miss.
 */
export const authenticateToken = createMiddleware<GatewayEnv>(async (c, next) => {
  const api = c.var.api;
  if (api.authMode !== "auth_token" || c.var.ignoredPath) return next();
  const key = extractKey(c.req.raw, c.var.url, authTokenConfig(api));
  if (!key) throw new TykError(401, messages.authFieldMissing);
  const found = await c.var.gateway.keys.lookup(key, api.orgId, waitUntilOf(c));
  if (!found) throw new TykError(403, messages.keyNotFound);
  c.set("session", found.session);
  c.set("sessionId", found.storageId);
  await next();
});
