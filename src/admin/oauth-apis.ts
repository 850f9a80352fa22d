import type { Context } from "hono";
import * as z from "zod";
import type { GatewayEnv } from "../chain/gateway";
import { readBounded } from "../lib/bounded-body";
import { fromUtf8 } from "../lib/encoding";
import type { OAuthClient } from "../oauth/clients";
import { isStorable } from "./ids";
import { adminBodyLimits } from "./limits";

/*
 * What the OAuth Gateway API routes need to know about APIs: whether one
 * exists and runs Tyk's OAuth server (read from its stored definition), and
 * which APIs hold a client.
 */

type AdminContext = Context<GatewayEnv>;

const oauthFlags = z.looseObject({
  api_id: z.string(),
  org_id: z.string().default(""),
  use_oauth2: z.boolean().catch(false).default(false),
});

export interface StoredApi {
  id: string;
  orgId: string;
  useOauth2: boolean;
}

export async function storedApi(c: AdminContext, apiId: string): Promise<StoredApi | null> {
  if (!isStorable("apis", apiId)) return null;
  const parsed = oauthFlags.safeParse(await c.get("gateway").store.get("apis", apiId));
  return parsed.success ? { id: parsed.data.api_id, orgId: parsed.data.org_id, useOauth2: parsed.data.use_oauth2 } : null;
}

/** The clients named `clientId` on any API of the org (every org when it is empty), as Tyk's getApisForOauthClientId. */
export async function clientsNamed(c: AdminContext, clientId: string, orgId: string): Promise<OAuthClient[]> {
  const clients: OAuthClient[] = [];
  for (const client of await c.get("gateway").oauth.clients.all()) {
    if (client.id === clientId && (orgId === "" || client.org_id === orgId)) clients.push(client);
  }
  return clients;
}

/** A request's form fields (Go's PostFormValue), within the Gateway API's body limit; another content type reads as none. */
export async function formFields(c: AdminContext): Promise<URLSearchParams> {
  const contentType = c.req.header("content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("application/x-www-form-urlencoded")) return new URLSearchParams();
  const bytes = await readBounded(c.req.raw.body, adminBodyLimits.maxBytes, () => new Error("the form is too large"));
  return new URLSearchParams(fromUtf8(bytes));
}
