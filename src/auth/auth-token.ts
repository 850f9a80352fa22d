import { messages, TykError } from "../errors";
import { waitUntilOf } from "../middleware/wait-until";
import { authTokenConfig, extractKey } from "./credentials";
import type { Authenticator } from "./identity";

/**
 * Tyk's auth token (key) check: missing key is 401, unknown key is 403. The
 * session comes from the isolate cache; the store is read only on a miss.
 */
export const authenticateToken: Authenticator = async (c) => {
  const api = c.get("api");
  const key = extractKey(c.req.raw, c.get("url"), authTokenConfig(api));
  if (!key) throw new TykError(401, messages.authFieldMissing);
  const found = await c.get("gateway").keys.lookup(key, api.orgId, waitUntilOf(c));
  if (!found) throw new TykError(403, messages.keyNotFound);
  return { session: found.session, sessionId: found.storageId };
};
