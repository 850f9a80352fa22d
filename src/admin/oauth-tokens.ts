import { Hono, type Context } from "hono";
import type { GatewayEnv } from "../chain/gateway";
import { revokeAllTokens, revokeToken } from "../oauth/revoke";
import { revokeRefresh } from "../oauth/tokens";
import { clientsNamed, formFields, storedApi } from "./oauth-apis";
import { apiError, modified } from "./responses";

/*
 * Token revocation through the Gateway API (Tyk's invalidateOauthRefresh,
 * RevokeTokenHandler, RevokeAllTokensHandler): a refresh token of one API, or
 * a token or every token of a client on every API of the org that has it.
 * Access tokens are sessions, so their removal reaches every isolate through
 * the revocation feed.
 */

type AdminContext = Context<GatewayEnv>;

const apiOk = (c: AdminContext, message: string) => c.json({ status: "ok", message }, 200);

async function invalidateRefresh(c: AdminContext): Promise<Response> {
  const apiId = c.req.query("api_id") ?? "";
  if (!apiId) return apiError(c, 400, "Missing parameter api_id");
  const api = await storedApi(c, apiId);
  if (!api) return apiError(c, 404, "API for this refresh token not found");
  if (!api.useOauth2) return apiError(c, 400, "OAuth is not enabled on this API");
  const token = c.req.param("key") ?? "";
  await revokeRefresh(c.get("gateway").oauth, api.id, token);
  return modified(c, token, "deleted");
}

async function revoke(c: AdminContext): Promise<Response> {
  const form = await formFields(c);
  const token = form.get("token") ?? "";
  const clientId = form.get("client_id") ?? "";
  if (!token) return apiError(c, 400, "token is required");
  if (!clientId) return apiError(c, 400, "client_id is required");
  const clients = await clientsNamed(c, clientId, form.get("org_id") ?? "");
  if (clients.length === 0) return apiError(c, 400, "oauth client doesn't exist");
  for (const client of clients) await revokeToken(c.get("gateway").oauth, client.api_id, token, form.get("token_type_hint") ?? "");
  return apiOk(c, "token revoked successfully");
}

/** A wrong secret on one API does not stop the others (Tyk ignores each API's outcome). */
async function revokeAll(c: AdminContext): Promise<Response> {
  const form = await formFields(c);
  const clientId = form.get("client_id") ?? "";
  const secret = form.get("client_secret") ?? "";
  if (!clientId) return apiError(c, 401, "client_id is required");
  if (!secret) return apiError(c, 401, "client_secret is required");
  const clients = await clientsNamed(c, clientId, form.get("org_id") ?? "");
  if (clients.length === 0) return apiError(c, 404, "oauth client doesn't exist");
  for (const client of clients) await revokeAllTokens(c.get("gateway").oauth, client.api_id, clientId, secret);
  return apiOk(c, "tokens revoked successfully");
}

export const oauthTokenRoutes = new Hono<GatewayEnv>()
  .delete("/oauth/refresh/:key", invalidateRefresh)
  .post("/oauth/revoke", revoke)
  .post("/oauth/revoke_all", revokeAll);
