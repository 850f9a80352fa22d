import { secretMatches } from "./clients";
import type { OAuthService } from "./service";
import { revokeAccess, revokeClientTokens, revokeRefresh } from "./tokens";

/*
 * RFC 7009 revocation as Tyk does it, shared by the per-API endpoints and the
 * Gateway API: a token named by `token_type_hint`, or both kinds when there is
 * no hint; and every token of a client, given its secret.
 */

export async function revokeToken(service: OAuthService, apiId: string, token: string, hint: string): Promise<void> {
  if (hint !== "refresh_token") await revokeAccess(service, apiId, token);
  if (hint !== "access_token") await revokeRefresh(service, apiId, token);
}

export type RevokeAllOutcome = { ok: true; revoked: number } | { ok: false; status: 401 | 404; message: string };

export async function revokeAllTokens(service: OAuthService, apiId: string, clientId: string, secret: string): Promise<RevokeAllOutcome> {
  const client = await service.clients.get(apiId, clientId);
  if (!client) return { ok: false, status: 404, message: "error getting oauth client" };
  if (!(await secretMatches(client, secret))) return { ok: false, status: 401, message: "client secret is wrong" };
  return { ok: true, revoked: await revokeClientTokens(service, apiId, clientId) };
}
