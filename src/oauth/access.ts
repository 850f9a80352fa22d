import * as z from "zod";
import { verifyPassword } from "../auth/password-hash";
import { bytesFromBase64, fromUtf8 } from "../lib/encoding";
import type { FoundSession } from "../session/key-store";
import { secretMatches, type OAuthClient } from "./clients";
import { OAuthError } from "./errors";
import { sha256Hex } from "./hashing";
import { challengeOf, isPkceText } from "./pkce";
import { firstUri, validRedirect } from "./redirect-uri";
import type { GrantScope, OAuthService } from "./service";
import { authCodeGrantSchema } from "./authorize";
import { issueTokens, notifyKeyChange, refreshGrantSchema, type TokenOutput } from "./tokens";

/*
 * Tyk's `{listen_path}oauth/token` (osin's access request handling): the
 * client authenticates with HTTP Basic (Tyk does not take the secret from the
 * form), then one of the grants the API allows in `allowed_access_types`.
 */

export interface AccessRequest {
  method: string;
  authorization: string | null;
  form: URLSearchParams;
}

const grantTypes = ["authorization_code", "refresh_token", "password", "client_credentials"] as const;
type GrantType = (typeof grantTypes)[number];
const grantTypeSchema = z.enum(grantTypes);

interface BasicCredentials {
  id: string;
  secret: string;
}

/** osin's client authentication: the Authorization header must be Basic; its halves are URL-unescaped. */
function basicCredentials(header: string | null): BasicCredentials {
  if (!header) throw new OAuthError("invalid_request", "client authentication not sent");
  const [scheme, encoded] = header.split(" ", 2);
  const decoded = scheme === "Basic" && encoded ? bytesFromBase64(encoded) : null;
  const text = decoded ? fromUtf8(decoded) : "";
  const colon = text.indexOf(":");
  if (colon < 0) throw new OAuthError("invalid_request", "invalid authorization header");
  try {
    return { id: decodeURIComponent(text.slice(0, colon).replaceAll("+", " ")), secret: decodeURIComponent(text.slice(colon + 1).replaceAll("+", " ")) };
  } catch {
    throw new OAuthError("invalid_request", "invalid authorization header");
  }
}

async function authenticatedClient(service: OAuthService, scope: GrantScope, credentials: BasicCredentials): Promise<OAuthClient> {
  const client = await service.clients.get(scope.api.id, credentials.id);
  if (!client) throw new OAuthError("unauthorized_client", "client not found");
  if (!(await secretMatches(client, credentials.secret))) throw new OAuthError("unauthorized_client", "client check failed");
  if (!client.redirecturi) throw new OAuthError("unauthorized_client", "client redirect uri is empty");
  return client;
}

async function authorizationCode(service: OAuthService, scope: GrantScope, request: AccessRequest, credentials: BasicCredentials): Promise<TokenOutput> {
  const code = request.form.get("code") ?? "";
  if (!code) throw new OAuthError("invalid_grant", "code is required");
  const client = await authenticatedClient(service, scope, credentials);
  const redemption = await service.grants(scope.api.id).redeemCode(await sha256Hex(code), client.id, Date.now());
  if (redemption.outcome !== "granted") throw new OAuthError("invalid_grant", `authorization code: ${redemption.outcome}`);
  const grant = authCodeGrantSchema.parse(JSON.parse(redemption.body));

  const separator = service.settings.redirectUriSeparator;
  const requested = request.form.get("redirect_uri") || firstUri(client.redirecturi, separator);
  const redirectUri = validRedirect(client.redirecturi, requested, separator);
  if (redirectUri === null) throw new OAuthError("invalid_request", "error validating client redirect");
  if (redirectUri !== grant.redirect_uri) throw new OAuthError("invalid_request", "client redirect does not match authorization data");
  if (grant.code_challenge) {
    const verifier = request.form.get("code_verifier") ?? "";
    if (!isPkceText(verifier)) throw new OAuthError("invalid_request", "code_verifier has invalid format");
    if ((await challengeOf(verifier, grant.code_challenge_method)) !== grant.code_challenge) {
      throw new OAuthError("invalid_grant", "pkce code verifier does not match challenge");
    }
  }
  const output = await issueTokens(service, scope, { client, userData: grant.user_data, redirectUri, scope: grant.scope, withRefresh: true });
  notifyKeyChange(scope, { authCode: code, oldRefreshToken: "", output });
  return output;
}

function extraScopes(granted: string, requested: string): boolean {
  const known = new Set(granted.split(" ").filter(Boolean));
  return requested.split(" ").some((name) => name !== "" && !known.has(name));
}

async function refreshToken(service: OAuthService, scope: GrantScope, request: AccessRequest, credentials: BasicCredentials): Promise<TokenOutput> {
  const token = request.form.get("refresh_token") ?? "";
  if (!token) throw new OAuthError("invalid_grant", "refresh_token is required");
  const client = await authenticatedClient(service, scope, credentials);
  const redemption = await service.grants(scope.api.id).redeemRefresh(await sha256Hex(token), client.id, Date.now());
  if (redemption.outcome === "other-client") throw new OAuthError("invalid_client", "client mismatch");
  if (redemption.outcome !== "granted") throw new OAuthError("invalid_grant", `refresh token: ${redemption.outcome}`);
  const grant = refreshGrantSchema.parse(JSON.parse(redemption.body));
  const requestedScope = request.form.get("scope") || grant.scope;
  if (extraScopes(grant.scope, requestedScope)) {
    const message = "the requested scope must not include any scope not originally granted by the resource owner";
    throw new OAuthError("access_denied", message);
  }
  // The previous access token goes with its refresh token (osin's RetainTokenAfterRefresh is off in Tyk).
  await Promise.all([service.keys.remove(grant.access_id), service.grants(scope.api.id).forgetToken(grant.access_id)]);
  const output = await issueTokens(service, scope, {
    client,
    userData: grant.user_data,
    redirectUri: grant.redirect_uri,
    scope: requestedScope,
    withRefresh: true,
  });
  notifyKeyChange(scope, { authCode: "", oldRefreshToken: token, output });
  return output;
}

/** A basic auth user: the key named `username`, then (as Tyk looks it up) `org_id + username`. */
async function findUser(service: OAuthService, scope: GrantScope, username: string): Promise<FoundSession | null> {
  const { orgId } = scope.api;
  return (await service.keys.lookup(username, orgId, scope.waitUntil)) ?? (await service.keys.lookup(orgId + username, orgId, scope.waitUntil));
}

/** The resource owner's password, checked against the basic auth user's (Tyk's password grant). */
async function passwordGrant(service: OAuthService, scope: GrantScope, request: AccessRequest, credentials: BasicCredentials): Promise<TokenOutput> {
  const username = request.form.get("username") ?? "";
  const password = request.form.get("password") ?? "";
  if (!username || !password) throw new OAuthError("invalid_grant", "username and pass required");
  const client = await authenticatedClient(service, scope, credentials);
  const user = await findUser(service, scope, username);
  const stored = user?.session.basic_auth_data;
  if (!user || !stored?.password || !(await verifyPassword(stored, password))) throw new OAuthError("access_denied", "authorization failed");
  const userData = JSON.stringify({ ...user.session, basic_auth_data: undefined });
  const output = await issueTokens(service, scope, {
    client,
    userData,
    redirectUri: firstUri(client.redirecturi, service.settings.redirectUriSeparator),
    scope: request.form.get("scope") ?? "",
    withRefresh: true,
  });
  notifyKeyChange(scope, { authCode: "", oldRefreshToken: "", output });
  return output;
}

async function clientCredentials(service: OAuthService, scope: GrantScope, request: AccessRequest, credentials: BasicCredentials): Promise<TokenOutput> {
  const client = await authenticatedClient(service, scope, credentials);
  const redirectUri = firstUri(client.redirecturi, service.settings.redirectUriSeparator);
  const output = await issueTokens(service, scope, { client, userData: null, redirectUri, scope: request.form.get("scope") ?? "", withRefresh: false });
  notifyKeyChange(scope, { authCode: "", oldRefreshToken: "", output });
  return output;
}

const grantHandlers: Record<GrantType, typeof clientCredentials> = {
  authorization_code: authorizationCode,
  refresh_token: refreshToken,
  password: passwordGrant,
  client_credentials: clientCredentials,
};

/** Answers a token request with new tokens, or throws an OAuthError. */
export async function handleAccessRequest(service: OAuthService, scope: GrantScope, request: AccessRequest): Promise<TokenOutput> {
  if (request.method !== "POST") throw new OAuthError("invalid_request", "request must be POST");
  const grantType = grantTypeSchema.safeParse(request.form.get("grant_type"));
  if (!grantType.success || !scope.api.accessTypes.has(grantType.data)) throw new OAuthError("unsupported_grant_type", "unknown grant type");
  const credentials = basicCredentials(request.authorization);
  return grantHandlers[grantType.data](service, scope, request, credentials);
}
