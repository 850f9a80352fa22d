import * as z from "zod";
import { list } from "../apidef/schema";
import type { RequestContext } from "../chain/context";
import { defineFeature } from "../chain/feature";
import { constantTimeEqual } from "../lib/constant-time";
import { handleAccessRequest } from "../oauth/access";
import { completeAuthorizeRequest, screenAuthorizeRequest } from "../oauth/authorize";
import { OAuthError } from "../oauth/errors";
import { FormTooLargeError, formOf, postFormOf } from "../oauth/form";
import { withParams } from "../oauth/redirect-uri";
import { revokeAllTokens, revokeToken } from "../oauth/revoke";
import { OAuthUnavailableError, type GrantScope, type OAuthApi } from "../oauth/service";

/*
 * Tyk's OAuth 2.0 server endpoints below an API's listen path, when the API
 * has `use_oauth2`: `oauth/authorize` (screens the client and passes the user
 * to `auth_login_redirect`), `oauth/token`, `oauth/revoke`, `oauth/revoke_all`,
 * and `tyk/oauth/authorize-client`, which the login app calls with the Gateway
 * API secret to make a code. Tyk serves these outside the API's middleware
 * chain, so they answer before version checks and authentication.
 */

const fields = z.looseObject({
  use_oauth2: z.boolean().default(false),
  oauth_meta: z
    .looseObject({
      allowed_access_types: list(z.string()),
      allowed_authorize_types: list(z.string()),
      auth_login_redirect: z.string().default(""),
    })
    .nullable()
    .default(null),
  notifications: z
    .looseObject({ shared_secret: z.string().default(""), oauth_on_keychange_url: z.string().default("") })
    .nullable()
    .default(null),
});

type Endpoint = "authorize" | "token" | "revoke" | "revoke_all" | "authorize-client";

/** Tyk's routes: authorize, token and authorize-client take an optional trailing slash, the revoke routes do not. */
const endpoints = new Map<string, Endpoint>([
  ["/oauth/authorize", "authorize"],
  ["/oauth/authorize/", "authorize"],
  ["/oauth/token", "token"],
  ["/oauth/token/", "token"],
  ["/oauth/revoke", "revoke"],
  ["/oauth/revoke_all", "revoke_all"],
  ["/tyk/oauth/authorize-client", "authorize-client"],
  ["/tyk/oauth/authorize-client/", "authorize-client"],
]);

const noStore = { "cache-control": "no-cache, no-store, must-revalidate", pragma: "no-cache" };

function json(body: unknown, status: number, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

const apiStatus = (status: number, state: "ok" | "error", message: string) => json({ status: state, message }, status);

/** osin's error answer; `redirect_to` once the client's redirect URI is known. */
function oauthErrorResponse(error: OAuthError, status: number): Response {
  const output = error.output;
  return json({ ...output, ...(error.redirectTo ? { redirect_to: withParams(error.redirectTo, output, false) } : {}) }, status, noStore);
}

async function token(ctx: RequestContext, scope: GrantScope): Promise<Response> {
  const form = await formOf(ctx.request, ctx.url, ctx.upstreamBody);
  const output = await handleAccessRequest(ctx.gateway.oauth, scope, { method: ctx.method, authorization: ctx.request.headers.get("authorization"), form });
  return json(output, 200, noStore);
}

/** The client's request: checked, then passed to the login app with a 307 (a POST keeps its body). */
async function authorize(ctx: RequestContext, scope: GrantScope): Promise<Response> {
  try {
    await screenAuthorizeRequest(ctx.gateway.oauth, scope, await formOf(ctx.request, ctx.url, ctx.upstreamBody));
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    return apiStatus(ctx.gateway.oauth.settings.errorStatus, "error", error.description);
  }
  const login = scope.api.loginRedirect;
  const location = ctx.method === "GET" ? `${login}?${ctx.url.search.slice(1)}` : login;
  return new Response(null, { status: 307, headers: { location } });
}

async function authorizeClient(ctx: RequestContext, scope: GrantScope): Promise<Response> {
  const secret = ctx.gateway.config.secret;
  if (!secret || !(await constantTimeEqual(ctx.request.headers.get("x-tyk-authorization") ?? "", secret))) {
    return apiStatus(403, "error", "Attempted administrative access with invalid or missing key!");
  }
  const form = await formOf(ctx.request, ctx.url, ctx.upstreamBody);
  const service = ctx.gateway.oauth;
  const screened = await screenAuthorizeRequest(service, scope, form);
  return json(await completeAuthorizeRequest(service, scope, screened, form.get("key_rules") ?? ""), 200);
}

async function revoke(ctx: RequestContext, scope: GrantScope): Promise<Response> {
  const form = await postFormOf(ctx.request, ctx.upstreamBody);
  const tokenText = form.get("token") ?? "";
  if (!tokenText) return apiStatus(400, "error", "token is required");
  await revokeToken(ctx.gateway.oauth, scope.api.id, tokenText, form.get("token_type_hint") ?? "");
  return apiStatus(200, "ok", "token revoked successfully");
}

async function revokeAll(ctx: RequestContext, scope: GrantScope): Promise<Response> {
  const form = await postFormOf(ctx.request, ctx.upstreamBody);
  const clientId = form.get("client_id") ?? "";
  const secret = form.get("client_secret") ?? "";
  if (!clientId) return apiStatus(401, "error", "client_id is required");
  if (!secret) return apiStatus(401, "error", "client_secret is required");
  const outcome = await revokeAllTokens(ctx.gateway.oauth, scope.api.id, clientId, secret);
  return outcome.ok ? apiStatus(200, "ok", "tokens revoked successfully") : apiStatus(outcome.status, "error", outcome.message);
}

const handlers: Record<Endpoint, { methods: readonly string[] | null; handle: (ctx: RequestContext, scope: GrantScope) => Promise<Response> }> = {
  authorize: { methods: ["GET", "POST"], handle: authorize },
  token: { methods: ["GET", "POST"], handle: token },
  "authorize-client": { methods: ["POST"], handle: authorizeClient },
  revoke: { methods: null, handle: revoke },
  revoke_all: { methods: null, handle: revokeAll },
};

async function answer(ctx: RequestContext, endpoint: Endpoint, api: OAuthApi): Promise<Response> {
  const handler = handlers[endpoint];
  if (handler.methods && !handler.methods.includes(ctx.method)) return apiStatus(405, "error", "Method not supported");
  const snapshot = await ctx.gateway.configCache.current(ctx.waitUntil);
  const scope: GrantScope = { api, policies: snapshot.policies, waitUntil: ctx.waitUntil };
  const errorStatus = ctx.gateway.oauth.settings.errorStatus;
  try {
    return await handler.handle(ctx, scope);
  } catch (error) {
    if (error instanceof OAuthError) {
      ctx.log.info("OAuth request refused", { error: error.id, reason: error.reason });
      return oauthErrorResponse(error, errorStatus);
    }
    if (error instanceof FormTooLargeError) return apiStatus(413, "error", error.message);
    if (error instanceof OAuthUnavailableError) {
      ctx.log.error(error.message);
      return oauthErrorResponse(new OAuthError("server_error", error.message), errorStatus);
    }
    throw error;
  }
}

export const oauthEndpoints = defineFeature({
  name: "OAuthEndpoints",
  fields,
  honours: ["use_oauth2", "oauth_meta", "notifications"],
  compile: (definition, api): OAuthApi | undefined => {
    if (!definition.use_oauth2) return undefined;
    const meta = definition.oauth_meta;
    return {
      id: api.id,
      orgId: api.orgId,
      accessTypes: new Set(meta?.allowed_access_types ?? []),
      authorizeTypes: new Set(meta?.allowed_authorize_types ?? []),
      loginRedirect: meta?.auth_login_redirect ?? "",
      notifications: { sharedSecret: definition.notifications?.shared_secret ?? "", keyChangeUrl: definition.notifications?.oauth_on_keychange_url ?? "" },
    };
  },
  step: (api) => async (ctx, next) => {
    const endpoint = endpoints.get(ctx.apiPath);
    return endpoint ? answer(ctx, endpoint, api) : next();
  },
});
