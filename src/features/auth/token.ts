import { extractKey } from "../../auth/credentials";
import { messages, TykError } from "../../lib/tyk-error";
import type { Authenticator } from "./options";

/**
 * Tyk's auth token (key) check: missing key is 401, unknown key is 403. The
 * session comes from the isolate cache; the store is read only on a miss.
 */
export const authenticateToken: Authenticator = async (ctx, options) => {
  const key = extractKey(ctx.request, ctx.url, options.token);
  if (!key) throw new TykError(401, messages.authFieldMissing);
  ctx.authToken = key;
  const found = await ctx.gateway.keys.lookup(key, ctx.api.orgId, ctx.waitUntil);
  if (!found) throw new TykError(403, messages.keyNotFound);
  return { session: found.session, sessionId: found.storageId };
};
