import * as z from "zod";
import { OAuthError } from "./errors";
import { randomCode, sha256Hex } from "./hashing";
import { isPkceMethod, isPkceText, pkceMethods } from "./pkce";
import { firstUri, validRedirect, withParams } from "./redirect-uri";
import type { GrantScope, OAuthService } from "./service";
import { issueTokens } from "./tokens";
import type { OAuthClient } from "./clients";

/*
 * Authorize requests (osin's HandleAuthorizeRequest). The client's request to
 * `{listen_path}oauth/authorize` is only screened and passed to the login app
 * (`auth_login_redirect`); the login app then calls
 * `{listen_path}tyk/oauth/authorize-client` with the Gateway API secret and
 * the session to grant (`key_rules`), which makes the code (or, for
 * `response_type=token`, the access token).
 */

/** What a code remembers until it is redeemed, in the API's OAuthGrants object. */
export const authCodeGrantSchema = z.object({
  redirect_uri: z.string(),
  scope: z.string(),
  user_data: z.string().nullable(),
  code_challenge: z.string(),
  code_challenge_method: z.enum(pkceMethods),
});

export type AuthCodeGrant = z.output<typeof authCodeGrantSchema>;

export interface ScreenedRequest {
  client: OAuthClient;
  responseType: "code" | "token";
  redirectUri: string;
  state: string;
  scope: string;
  challenge: { code_challenge: string; code_challenge_method: AuthCodeGrant["code_challenge_method"] };
}

function decoded(value: string): string | null {
  try {
    return decodeURIComponent(value.replaceAll("+", " "));
  } catch {
    return null;
  }
}

const noChallenge: ScreenedRequest["challenge"] = { code_challenge: "", code_challenge_method: "plain" };

function pkceOf(form: URLSearchParams, fail: (description: string) => OAuthError): ScreenedRequest["challenge"] {
  const challenge = form.get("code_challenge") ?? "";
  if (!challenge) return noChallenge;
  const method = form.get("code_challenge_method") || "plain";
  if (!isPkceMethod(method)) throw fail("code_challenge_method transform algorithm not supported (rfc7636)");
  if (!isPkceText(challenge)) throw fail("code_challenge invalid (rfc7636)");
  return { code_challenge: challenge, code_challenge_method: method };
}

/** Checks the client, its redirect URI and the response type; errors after the URI is known carry where to send the client. */
export async function screenAuthorizeRequest(service: OAuthService, scope: GrantScope, form: URLSearchParams): Promise<ScreenedRequest> {
  const state = form.get("state") ?? "";
  const requested = decoded(form.get("redirect_uri") ?? "");
  if (requested === null) throw new OAuthError("invalid_request", "redirect_uri is not URL-encoded text");
  const client = await service.clients.get(scope.api.id, form.get("client_id") ?? "");
  if (!client?.redirecturi) throw new OAuthError("unauthorized_client", "client not found", undefined, state);

  const separator = service.settings.redirectUriSeparator;
  const single = firstUri(client.redirecturi, separator) === client.redirecturi;
  const redirectUri = validRedirect(client.redirecturi, requested === "" && single ? client.redirecturi : requested, separator);
  if (redirectUri === null) throw new OAuthError("invalid_request", "redirect_uri does not match the client's", undefined, state);

  const fail = (id: OAuthError["id"], description?: string) => new OAuthError(id, description ?? id, description, state, redirectUri);
  const responseType = form.get("response_type") ?? "";
  if ((responseType !== "code" && responseType !== "token") || !scope.api.authorizeTypes.has(responseType)) throw fail("unsupported_response_type");
  const challenge = responseType === "code" ? pkceOf(form, (description) => fail("invalid_request", description)) : noChallenge;
  return { client, responseType, redirectUri, state, scope: form.get("scope") ?? "", challenge };
}

/** osin's answer to the login app: the output fields and `redirect_to`, the URI to send the user to. */
export type AuthorizeOutput = Record<string, string | number>;

/** Makes the code (saved in the API's OAuthGrants object) or the implicit grant's token for a screened request. */
export async function completeAuthorizeRequest(service: OAuthService, scope: GrantScope, request: ScreenedRequest, keyRules: string): Promise<AuthorizeOutput> {
  const userData = keyRules === "" ? null : keyRules;
  const stateField: Record<string, string> = request.state ? { state: request.state } : {};
  if (request.responseType === "token") {
    const tokens = await issueTokens(service, scope, {
      client: request.client,
      userData,
      redirectUri: request.redirectUri,
      scope: request.scope,
      withRefresh: false,
    });
    const output: AuthorizeOutput = { ...tokens, ...stateField };
    const params = Object.fromEntries(Object.entries(output).map(([name, value]) => [name, String(value)]));
    return { ...output, redirect_to: withParams(request.redirectUri, params, true) };
  }
  const code = randomCode();
  const grant: AuthCodeGrant = { redirect_uri: request.redirectUri, scope: request.scope, user_data: userData, ...request.challenge };
  const expiresAt = Date.now() + service.settings.codeExpiresIn * 1000;
  await service.grants(scope.api.id).saveCode(await sha256Hex(code), request.client.id, JSON.stringify(grant), expiresAt);
  const output: Record<string, string> = { code, ...stateField };
  return { ...output, redirect_to: withParams(request.redirectUri, output, false) };
}
