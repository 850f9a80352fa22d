import * as z from "zod";
import { constantTimeEqual } from "../lib/constant-time";
import { isolateLogger } from "../lib/logger";
import type { Store } from "../store";
import { randomSecret, sha256Hex } from "./hashing";

/*
 * OAuth clients of Tyk's OAuth server, one document per API and client in the
 * store. The secret is kept as its SHA-256 digest: it is shown once, when the
 * client is created or its secret rotated, and never again (Tyk shows it on
 * every read).
 */

export const storedClientSchema = z.looseObject({
  api_id: z.string(),
  org_id: z.string().default(""),
  id: z.string(),
  secret_hash: z.string(),
  redirecturi: z.string().default(""),
  policyid: z.string().default(""),
  description: z.string().default(""),
  meta_data: z.unknown().optional(),
});

export type OAuthClient = z.output<typeof storedClientSchema>;

/** A client as the Gateway API shows it (Tyk's NewClientRequest: `policy_id` only when set); `secret` only when it was just made. */
export interface ClientView {
  client_id: string;
  redirect_uri: string;
  policy_id?: string;
  secret: string;
  meta_data: unknown;
  description: string;
}

export function clientView(client: OAuthClient, secret = ""): ClientView {
  return {
    client_id: client.id,
    redirect_uri: client.redirecturi,
    ...(client.policyid ? { policy_id: client.policyid } : {}),
    secret,
    meta_data: client.meta_data ?? null,
    description: client.description,
  };
}

const storageId = (apiId: string, clientId: string) => `${apiId}.${clientId}`;

/** The client's meta data when it is an object (Tyk merges only then). */
export function clientMetaData(client: OAuthClient): Record<string, unknown> {
  const meta = client.meta_data;
  return typeof meta === "object" && meta !== null && !Array.isArray(meta) ? (meta as Record<string, unknown>) : {};
}

export async function secretMatches(client: OAuthClient, secret: string): Promise<boolean> {
  return constantTimeEqual(await sha256Hex(secret), client.secret_hash);
}

/** A client ready to store, with its plain secret (a new one unless given). */
/** A client's fields but its secret. */
export type ClientFields = Pick<OAuthClient, "api_id" | "org_id" | "id" | "redirecturi" | "policyid" | "description" | "meta_data">;

export async function newClient(fields: ClientFields, secret = randomSecret()): Promise<{ client: OAuthClient; secret: string }> {
  const client: OAuthClient = { ...fields, secret_hash: await sha256Hex(secret) };
  return { client, secret };
}

export class OAuthClients {
  constructor(private readonly store: Store) {}

  async get(apiId: string, clientId: string): Promise<OAuthClient | null> {
    const raw = await this.store.get("oauth-clients", storageId(apiId, clientId));
    if (raw === null) return null;
    const parsed = storedClientSchema.safeParse(raw);
    if (parsed.success && parsed.data.api_id === apiId) return parsed.data;
    isolateLogger.error("stored OAuth client is invalid; treating it as unknown", { api_id: apiId, client_id: clientId });
    return null;
  }

  /** Every client of every API. Reads every client document: Gateway API use only. */
  async all(): Promise<OAuthClient[]> {
    const clients: OAuthClient[] = [];
    for (const raw of (await this.store.getAll("oauth-clients")).values()) {
      const parsed = storedClientSchema.safeParse(raw);
      if (parsed.success) clients.push(parsed.data);
    }
    return clients.sort((a, b) => a.id.localeCompare(b.id));
  }

  async list(apiId: string): Promise<OAuthClient[]> {
    return (await this.all()).filter((client) => client.api_id === apiId);
  }

  put(client: OAuthClient): Promise<void> {
    return this.store.put("oauth-clients", storageId(client.api_id, client.id), client);
  }

  delete(apiId: string, clientId: string): Promise<boolean> {
    return this.store.delete("oauth-clients", storageId(apiId, clientId));
  }
}
