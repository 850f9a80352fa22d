import { createMiddleware } from "hono/factory";
import { messages, TykError } from "../errors";
import type { GatewayEnv } from "../types";

/**
 * Tyk's AccessRights check: the key must list this API and, for a versioned
 * API, this version. A key with no access rights at all is a master key.
 */
export const checkAccessRights = createMiddleware<GatewayEnv>(async (c, next) => {
  const session = c.get("session");
  if (session && Object.keys(session.access_rights).length > 0) {
    const api = c.get("api");
    const access = session.access_rights[api.id];
    if (!access) throw new TykError(403, messages.keyNotFound);
    if (api.versioning.enabled && !access.versions.includes(c.get("version").name)) {
      throw new TykError(403, messages.keyNotFound);
    }
  }
  await next();
});
