import { readCredential } from "../../auth/credentials";
import { messages, TykError } from "../../lib/tyk-error";
import type { Authenticator } from "./options";

/*
 * Bearer tokens of Tyk's OAuth server (gateway/mw_oauth2_key_exists.go): the
 * credential must be `Bearer <token>`; the token is a session made by the
 * API's OAuth server, found through the KeyStore's isolate cache (the store is
 * read only on a miss; removals arrive through the revocation feed). A session
 * without an OAuth client is not an OAuth token: Tyk refuses it as a token of
 * a deleted client.
 */
export const authenticateOAuth2: Authenticator = async (ctx, options) => {
  const credential = readCredential(ctx.request, ctx.url, options.oauth.config);
  const parts = credential.split(" ");
  if (parts.length < 2) throw new TykError(400, messages.authFieldMissing);
  if (parts[0]!.toLowerCase() !== "bearer") throw new TykError(400, messages.oauthBearerMalformed);
  const token = parts[1]!;
  ctx.authToken = token;
  const found = token ? await ctx.gateway.keys.lookup(token, ctx.api.orgId, ctx.waitUntil) : null;
  // Flagged: OpenID Connect refuses with the same words, and Tyk classifies only this one (AKI).
  if (!found) throw new TykError(403, messages.oauthKeyNotAuthorised, {}, "AKI");
  if (!found.session.oauth_client_id) throw new TykError(403, messages.oauthClientRevoked);
  return { session: found.session, sessionId: found.storageId };
};
