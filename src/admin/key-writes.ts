import type { Context } from "hono";
import { coreDefinitionSchema } from "../apidef/schema";
import { hashPassword } from "../auth/password-hash";
import { waitUntilOf } from "../lib/wait-until";
import type { Session } from "../session/schema";
import type { GatewayEnv } from "../chain/gateway";
import { isStorable } from "./ids";
import { storeTtlSeconds, type ApiLifetime } from "./key-lifetime";
import { applyKeyExpiresIn } from "./key-sessions";

/*
 * What the Gateway API does to a session on its way into the store, beyond
 * stamping it: hash a new basic auth password, start a policy's trial period
 * on a new key, and give the stored key its session lifetime.
 */

type AdminContext = Context<GatewayEnv>;

/**
 * A basic auth password arrives in plain text and is stored hashed with
 * TYK_GW_BASICAUTHHASHKEYFUNCTION, whatever `hash_type` the body names (as
 * Tyk). An unchanged password (the stored hash sent back) is kept as it is.
 */
export async function hashNewPassword(c: AdminContext, session: Session, original: Session | null): Promise<Session> {
  const data = session.basic_auth_data;
  if (!data?.password || data.password === original?.basic_auth_data?.password) return session;
  const hashed = await hashPassword(data.password, c.get("gateway").config.basicAuthHashFunction);
  return { ...session, basic_auth_data: { ...data, ...hashed } };
}

export async function startTrialPeriod(c: AdminContext, session: Session, now: Date): Promise<Session> {
  const snapshot = await c.get("gateway").configCache.current(waitUntilOf(c));
  return applyKeyExpiresIn(session, snapshot.policies, now);
}

/** `session_lifetime` of the stored definitions of the APIs the key grants. */
async function lifetimesOf(c: AdminContext, session: Session): Promise<ApiLifetime[]> {
  const apiIds = Object.keys(session.access_rights).filter((apiId) => isStorable("apis", apiId));
  const documents = await Promise.all(apiIds.map((apiId) => c.get("gateway").store.get("apis", apiId)));
  return documents.flatMap((document) => {
    const parsed = coreDefinitionSchema.safeParse(document);
    if (!parsed.success) return [];
    return [{ sessionLifetime: parsed.data.session_lifetime, respectsKeyExpiration: parsed.data.session_lifetime_respects_key_expiration }];
  });
}

export async function writeKey(c: AdminContext, storageId: string, session: Session): Promise<void> {
  const { keys, config } = c.get("gateway");
  const ttl = storeTtlSeconds(session, await lifetimesOf(c, session), config);
  await keys.write(storageId, session, ttl);
}
