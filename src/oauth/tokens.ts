import * as z from "zod";
import { utf8 } from "../lib/encoding";
import { isolateLogger } from "../lib/logger";
import { generateKeyId, generateToken } from "../session/keys";
import { sessionSchema, type Session } from "../session/schema";
import { storageKey } from "../store/store";
import { clientMetaData, type OAuthClient } from "./clients";
import { OAuthError } from "./errors";
import { randomSecret, sha256Hex } from "./hashing";
import { sendKeyChange } from "./notifications";
import type { GrantScope, OAuthService } from "./service";

/*
 * Access tokens become sessions, stored like keys (through the KeyStore, so
 * the revocation feed carries their removal to every isolate) with the
 * client's id for analytics and either the key rules the login app gave or
 * the client's policy. Refresh tokens live in the API's OAuthGrants object
 * under their SHA-256.
 */

/** What a refresh token remembers, to issue the next access token alike. */
export const refreshGrantSchema = z.object({
  access_id: z.string(),
  redirect_uri: z.string(),
  scope: z.string(),
  /** The session the first token was made from (key rules or a password user), as JSON; null: the client's policy. */
  user_data: z.string().nullable(),
});

export type RefreshGrant = z.output<typeof refreshGrantSchema>;

/** Workers KV refuses longer keys; every store is held to the same bound. */
const maxStorageKeyBytes = 512;

export interface IssueRequest {
  client: OAuthClient;
  userData: string | null;
  redirectUri: string;
  scope: string;
  withRefresh: boolean;
}

export interface TokenOutput {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_token?: string;
  scope?: string;
}

/** The session for a new token: the key rules when they parse as a session, else the client's policy (Tyk's SaveAccess). */
function baseSession(scope: GrantScope, client: OAuthClient, userData: string | null): Session {
  if (userData !== null) {
    try {
      const parsed = sessionSchema.safeParse(JSON.parse(userData));
      if (parsed.success) return parsed.data;
    } catch {
      // Not JSON: Tyk falls back to the policy too.
    }
  }
  const policy = scope.policies.get(client.policyid);
  if (!client.policyid || !policy) throw new OAuthError("server_error", "Couldn't use policy or key rules to create token, failing");
  return sessionSchema.parse({ org_id: policy.org_id || scope.api.orgId, apply_policies: [client.policyid] });
}

function tokenSession(scope: GrantScope, request: IssueRequest, expiresIn: number): Session {
  const session = baseSession(scope, request.client, request.userData);
  // The session's own meta data wins over the client's (Tyk lets the session override client values).
  const meta_data = { ...clientMetaData(request.client), ...session.meta_data };
  return {
    ...session,
    org_id: session.org_id || scope.api.orgId,
    oauth_client_id: request.client.id,
    expires: Math.floor(Date.now() / 1000) + expiresIn,
    meta_data,
    basic_auth_data: undefined,
  };
}

export async function issueTokens(service: OAuthService, scope: GrantScope, request: IssueRequest): Promise<TokenOutput> {
  const expiresIn = service.settings.accessExpiresIn;
  const session = tokenSession(scope, request, expiresIn);
  const accessToken = generateToken(session.org_id, generateKeyId(), service.hashKeyFunction);
  const accessId = await service.keys.storageId(accessToken);
  const grants = service.grants(scope.api.id);
  await service.keys.write(accessId, session, expiresIn);

  let refreshToken: string | undefined;
  let refreshHash = "";
  if (request.withRefresh) {
    refreshToken = randomSecret();
    refreshHash = await sha256Hex(refreshToken);
    const grant: RefreshGrant = { access_id: accessId, redirect_uri: request.redirectUri, scope: request.scope, user_data: request.userData };
    await grants.saveRefresh(refreshHash, request.client.id, JSON.stringify(grant), Date.now() + service.settings.refreshExpiresIn * 1000);
  }
  await grants.recordToken(accessId, request.client.id, refreshHash, session.expires);
  return {
    access_token: accessToken,
    token_type: "Bearer",
    expires_in: expiresIn,
    ...(refreshToken ? { refresh_token: refreshToken } : {}),
    ...(request.scope ? { scope: request.scope } : {}),
  };
}

/** Removes an access token's session (every isolate hears of it through the revocation feed). */
export async function revokeAccess(service: OAuthService, apiId: string, token: string): Promise<void> {
  const accessId = await service.keys.storageId(token);
  // Unhashed, a made-up token is its own storage id and may be too long for any store to hold: nothing to revoke.
  if (utf8(storageKey("keys", accessId)).byteLength > maxStorageKeyBytes) return;
  await Promise.all([service.keys.remove(accessId), service.grants(apiId).forgetToken(accessId)]);
}

export async function revokeRefresh(service: OAuthService, apiId: string, token: string): Promise<boolean> {
  return service.grants(apiId).removeRefresh(await sha256Hex(token));
}

/** Every token and refresh token of a client on one API; resolves to how many access tokens were removed. */
export async function revokeClientTokens(service: OAuthService, apiId: string, clientId: string): Promise<number> {
  const issued = await service.grants(apiId).forgetClient(clientId);
  await Promise.all(issued.map((pair) => service.keys.remove(pair.accessId)));
  return issued.length;
}

/** Tells the resource owner's app about new tokens (Tyk's `notifications.oauth_on_keychange_url`), after the answer. */
export function notifyKeyChange(scope: GrantScope, notification: { authCode: string; oldRefreshToken: string; output: TokenOutput }): void {
  const { keyChangeUrl, sharedSecret } = scope.api.notifications;
  if (!keyChangeUrl) return;
  const body = {
    auth_code: notification.authCode,
    new_oauth_token: notification.output.access_token,
    refresh_token: notification.output.refresh_token ?? "",
    old_refresh_token: notification.oldRefreshToken,
    notification_type: notification.oldRefreshToken ? "refresh" : "new",
  };
  scope.waitUntil(sendKeyChange(keyChangeUrl, sharedSecret, body).catch((error) => isolateLogger.error("OAuth key change notification failed", { error })));
}
