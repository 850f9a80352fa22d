import { createMiddleware } from "hono/factory";
import { messages, TykError } from "../errors";
import type { GatewayEnv } from "../types";

/** Tyk's KeyExpired check: inactive keys are 403, keys past `expires` (unix seconds, when ≥ 1) are 401. */
export const checkKeyExpiry = createMiddleware<GatewayEnv>(async (c, next) => {
  const session = c.get("session");
  if (session) {
    if (session.is_inactive) throw new TykError(403, messages.keyInactive);
    if (session.expires >= 1 && session.expires * 1000 < Date.now()) throw new TykError(401, messages.keyExpired);
  }
  await next();
});
