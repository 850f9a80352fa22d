import { inject } from "vitest";
import { adminHeaders, gateway, keylessApi, loadApis, store } from "../support/gateway";

/*
 * Helpers for the OAuth server tests: an API with `use_oauth2`, a policy for
 * its clients, and the requests a client, a login app and an admin make.
 */

export const allGrants = ["authorization_code", "refresh_token", "client_credentials", "password"];
export const redirectUri = "http://127.0.0.1:9/callback";
export const loginUrl = "http://127.0.0.1:9/login";

export function oauthApi(apiId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return keylessApi({
    api_id: apiId,
    name: apiId,
    use_keyless: false,
    use_oauth2: true,
    oauth_meta: { allowed_access_types: allGrants, allowed_authorize_types: ["code", "token"], auth_login_redirect: loginUrl },
    notifications: { shared_secret: "shh", oauth_on_keychange_url: `${inject("notificationReceiverUrl")}/${apiId}` },
    proxy: { listen_path: `/${apiId}/` },
    ...overrides,
  });
}

export function policyFor(id: string, apiIds: string[], limits: Record<string, unknown> = {}): Record<string, unknown> {
  const access_rights = Object.fromEntries(apiIds.map((apiId) => [apiId, { api_id: apiId, api_name: apiId, versions: ["Default"] }]));
  return { id, name: id, org_id: "default", rate: 1000, per: 60, quota_max: -1, active: true, access_rights, ...limits };
}

/** Stores the policies, then replaces the APIs and reloads. */
export async function setUp(apis: Record<string, unknown>[], policies: Record<string, unknown>[]): Promise<void> {
  for (const policy of policies) await store().put("policies", String(policy.id), policy);
  await loadApis(...apis);
}

export interface CreatedClient {
  client_id: string;
  secret: string;
  redirect_uri: string;
  policy_id?: string;
  meta_data: unknown;
  description: string;
}

export async function createClient(body: Record<string, unknown>): Promise<CreatedClient> {
  const response = await gateway("/tyk/oauth/clients/create", {
    method: "POST",
    headers: adminHeaders,
    body: JSON.stringify({ redirect_uri: redirectUri, ...body }),
  });
  if (response.status !== 200) throw new Error(`client not created: ${response.status} ${await response.text()}`);
  return (await response.json()) as CreatedClient;
}

export const basic = (id: string, secret: string) => `Basic ${btoa(`${id}:${secret}`)}`;

export function form(fields: Record<string, string>): RequestInit {
  return { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString() };
}

/** A token request as a client makes it: Basic client credentials and a form. */
export function tokenRequest(apiId: string, client: { client_id: string; secret: string }, fields: Record<string, string>): Promise<Response> {
  const init = form(fields);
  return gateway(`/${apiId}/oauth/token`, {
    ...init,
    headers: { ...(init.headers as Record<string, string>), authorization: basic(client.client_id, client.secret) },
  });
}

export interface Tokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
}

export async function tokensOf(response: Response): Promise<Tokens> {
  if (response.status !== 200) throw new Error(`no tokens: ${response.status} ${await response.text()}`);
  return (await response.json()) as Tokens;
}

/** The login app approving a request: `{listen_path}tyk/oauth/authorize-client` with the Gateway API secret. */
export function authorizeClient(apiId: string, fields: Record<string, string>): Promise<Response> {
  const init = form(fields);
  return gateway(`/${apiId}/tyk/oauth/authorize-client/`, {
    ...init,
    headers: { ...(init.headers as Record<string, string>), "x-tyk-authorization": adminHeaders["x-tyk-authorization"] },
  });
}

export async function codeFor(apiId: string, clientId: string, extra: Record<string, string> = {}): Promise<string> {
  const response = await authorizeClient(apiId, { response_type: "code", client_id: clientId, redirect_uri: redirectUri, ...extra });
  if (response.status !== 200) throw new Error(`no code: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { code: string }).code;
}

export const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

export async function oauthError(response: Response): Promise<{ error: string; error_description: string }> {
  return (await response.json()) as { error: string; error_description: string };
}
