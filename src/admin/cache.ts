import { Hono, type Context } from "hono";
import { generationKind, newGeneration } from "../cache/generations";
import type { GatewayEnv } from "../chain/gateway";
import { isStorable } from "./ids";
import { methodNotSupported } from "./responses";

/*
 * `DELETE /tyk/cache/{api_id}`: drops an API's cached answers everywhere.
 * The Cache API is per data centre and this request runs in one, so instead
 * of deleting entries the API gets a new cache generation (part of every
 * cache key, src/cache/generations.ts) and the config reloads as on
 * `/tyk/reload`: every isolate uses the new keys once it has the new snapshot
 * (within PORTCULLIS_REVOCATION_SECONDS through the Revocations object). The
 * old entries are never read again and expire by their TTL. As in Tyk, any
 * API id is answered 200 "cache invalidated", known or not.
 */
async function invalidateCache(c: Context<GatewayEnv>): Promise<Response> {
  const apiId = c.req.param("id") ?? "";
  const gateway = c.get("gateway");
  // No API can be stored under an id the store cannot hold, so it has nothing cached.
  if (isStorable(generationKind, apiId)) {
    await gateway.store.put(generationKind, apiId, newGeneration());
    const version = await gateway.store.bumpConfigVersion();
    gateway.configCache.invalidate();
    await gateway.revocations?.announceConfig(version);
  }
  return c.json({ status: "ok", message: "cache invalidated" });
}

export const cacheRoutes = new Hono<GatewayEnv>().delete("/cache/:id", invalidateCache).all("/cache/:id", methodNotSupported);
