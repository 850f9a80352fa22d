import { Hono, type Context } from "hono";
import * as z from "zod";
import type { GatewayEnv } from "../chain/gateway";
import { waitUntilOf } from "../lib/wait-until";
import { clientView, newClient, type OAuthClient } from "../oauth/clients";
import { randomSecret, sha256Hex } from "../oauth/hashing";
import { revokeClientTokens } from "../oauth/tokens";
import { clientsNamed, storedApi } from "./oauth-apis";
import { idError, quoteId } from "./ids";
import { apiError, bodyRefused, modified, readJsonBody } from "./responses";

/*
 * `/tyk/oauth/clients`: OAuth clients of APIs with `use_oauth2` (Tyk's
 * createOauthClient, oAuthClientHandler, rotateOauthClientHandler,
 * oAuthClientTokensHandler, getApisForOauthApp), with Tyk's shapes and
 * messages. Secrets are stored hashed, so reads show an empty `secret`.
 */

type AdminContext = Context<GatewayEnv>;

const clientBodySchema = z.looseObject({
  client_id: z.string().default(""),
  redirect_uri: z.string().default(""),
  api_id: z.string().default(""),
  policy_id: z.string().default(""),
  secret: z.string().default(""),
  meta_data: z.unknown().optional(),
  description: z.string().default(""),
});

type ClientBody = z.output<typeof clientBodySchema>;

const tokensPageSize = 100;

async function clientBody(c: AdminContext): Promise<{ body: ClientBody } | { error: Response }> {
  const read = await readJsonBody(c);
  if (!read.ok) return { error: bodyRefused(c, read.problem, "Unmarshalling failed") };
  const parsed = clientBodySchema.safeParse(read.value);
  return parsed.success ? { body: parsed.data } : { error: apiError(c, 400, "Unmarshalling failed") };
}

async function policies(c: AdminContext) {
  return (await c.get("gateway").configCache.current(waitUntilOf(c))).policies;
}

/** The APIs a new client goes to: the one named, else every OAuth API its policy grants. */
async function targetApis(c: AdminContext, body: ClientBody): Promise<{ apis: { id: string; orgId: string }[] } | { error: Response }> {
  if (body.api_id) {
    const api = await storedApi(c, body.api_id);
    if (!api) return { error: apiError(c, 400, "API doesn't exist") };
    return api.useOauth2 ? { apis: [api] } : { error: apiError(c, 400, "API is not OAuth2") };
  }
  const policy = (await policies(c)).get(body.policy_id);
  if (!policy) return { error: apiError(c, 400, "Policy doesn't exist") };
  const apis: { id: string; orgId: string }[] = [];
  for (const apiId of Object.keys(policy.access_rights)) {
    const api = await storedApi(c, apiId);
    if (!api) return { error: apiError(c, 400, "API doesn't exist") };
    if (api.useOauth2) apis.push(api);
  }
  return apis.length > 0 ? { apis } : { error: apiError(c, 400, "API is not OAuth2") };
}

async function createClient(c: AdminContext): Promise<Response> {
  const read = await clientBody(c);
  if ("error" in read) return read.error;
  const body = read.body;
  const clientId = body.client_id || crypto.randomUUID().replaceAll("-", "");
  const badId = idError("oauth-clients", clientId);
  if (badId) return apiError(c, 400, `Invalid client_id ${quoteId(clientId)}: ${badId}`);
  const targets = await targetApis(c, body);
  if ("error" in targets) return targets.error;
  const secret = body.secret || randomSecret();
  const { clients } = c.get("gateway").oauth;
  let made: OAuthClient | undefined;
  for (const api of targets.apis) {
    const fields = { api_id: api.id, org_id: api.orgId, id: clientId, redirecturi: body.redirect_uri, policyid: body.policy_id, description: body.description };
    const { client } = await newClient({ ...fields, meta_data: body.meta_data }, secret);
    await clients.put(client);
    made ??= client;
  }
  return c.json(clientView(made!, secret), 200);
}

async function listClients(c: AdminContext): Promise<Response> {
  const api = await storedApi(c, c.req.param("apiID") ?? "");
  if (!api) return apiError(c, 404, "OAuth client not found");
  const clients = api.useOauth2 ? await c.get("gateway").oauth.clients.list(api.id) : [];
  return c.json(
    clients.map((client) => clientView(client)),
    200,
  );
}

/** The API and client a route names; 404 "OAuth Client ID not found" when either is missing. */
async function namedClient(c: AdminContext, apiMissing: string): Promise<{ client: OAuthClient } | { error: Response }> {
  const api = await storedApi(c, c.req.param("apiID") ?? "");
  if (!api) return { error: apiError(c, 404, apiMissing) };
  const client = await c.get("gateway").oauth.clients.get(api.id, c.req.param("clientID") ?? "");
  return client ? { client } : { error: apiError(c, 404, "OAuth Client ID not found") };
}

async function getClient(c: AdminContext): Promise<Response> {
  const found = await namedClient(c, "OAuth Client ID not found");
  return "error" in found ? found.error : c.json(clientView(found.client), 200);
}

/** Deleting a client revokes its tokens at once (Tyk refuses them within a second, as a deleted client's). */
async function deleteClient(c: AdminContext): Promise<Response> {
  const found = await namedClient(c, "OAuth Client ID not found");
  if ("error" in found) return found.error;
  const { oauth } = c.get("gateway");
  await oauth.clients.delete(found.client.api_id, found.client.id);
  await revokeClientTokens(oauth, found.client.api_id, found.client.id);
  return modified(c, found.client.id, "deleted");
}

async function updateClient(c: AdminContext): Promise<Response> {
  const read = await clientBody(c);
  if ("error" in read) return read.error;
  const body = read.body;
  const apiId = c.req.param("apiID") ?? "";
  if (!(await storedApi(c, apiId))) return apiError(c, 404, "API doesn't exist");
  if (body.policy_id) {
    const policy = (await policies(c)).get(body.policy_id);
    if (!policy) return apiError(c, 404, "Policy doesn't exist");
    if (!Object.hasOwn(policy.access_rights, apiId)) return apiError(c, 400, "Policy access rights doesn't contain API this OAuth client belongs to");
  }
  const found = await namedClient(c, "API doesn't exist");
  if ("error" in found) return found.error;
  const previous = found.client;
  const updated: OAuthClient = {
    ...previous,
    redirecturi: body.redirect_uri,
    policyid: body.policy_id,
    meta_data: body.meta_data,
    description: body.description,
  };
  const { oauth } = c.get("gateway");
  await oauth.clients.put(updated);
  // Tokens carry the policy they were made with: a new policy ends them, as in Tyk.
  if (previous.policyid && previous.policyid !== updated.policyid) await revokeClientTokens(oauth, apiId, previous.id);
  return c.json(clientView(updated), 200);
}

async function rotateSecret(c: AdminContext): Promise<Response> {
  const found = await namedClient(c, "API doesn't exist");
  if ("error" in found) return found.error;
  const secret = randomSecret();
  const rotated: OAuthClient = { ...found.client, secret_hash: await sha256Hex(secret) };
  await c.get("gateway").oauth.clients.put(rotated);
  return c.json(clientView(rotated, secret), 200);
}

async function clientTokens(c: AdminContext): Promise<Response> {
  const api = await storedApi(c, c.req.param("apiID") ?? "");
  if (!api?.useOauth2) return apiError(c, 404, "OAuth Client ID not found");
  const tokens = await c
    .get("gateway")
    .oauth.grants(api.id)
    .clientTokens(c.req.param("clientID") ?? "", Math.floor(Date.now() / 1000));
  const pageText = c.req.query("page");
  if (pageText === undefined) return c.json(tokens, 200);
  const page = Math.max(1, Number.parseInt(pageText, 10) || 1);
  const start = Math.min((page - 1) * tokensPageSize, tokens.length);
  return c.json(
    {
      Pagination: { page_num: page, page_total: Math.ceil(tokens.length / tokensPageSize), page_size: tokensPageSize },
      Tokens: tokens.slice(start, start + tokensPageSize),
    },
    200,
  );
}

async function apisOfApp(c: AdminContext): Promise<Response> {
  const clients = await clientsNamed(c, c.req.param("appID") ?? "", c.req.query("orgID") ?? "");
  return c.json([...new Set(clients.map((client) => client.api_id))], 200);
}

export const oauthClientRoutes = new Hono<GatewayEnv>()
  .post("/oauth/clients/create", createClient)
  .get("/oauth/clients/apis/:appID", apisOfApp)
  .get("/oauth/clients/:apiID", listClients)
  .get("/oauth/clients/:apiID/:clientID", getClient)
  .put("/oauth/clients/:apiID/:clientID", updateClient)
  .delete("/oauth/clients/:apiID/:clientID", deleteClient)
  .put("/oauth/clients/:apiID/:clientID/rotate", rotateSecret)
  .get("/oauth/clients/:apiID/:clientID/tokens", clientTokens);
