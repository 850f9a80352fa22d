import { Hono, type Context } from "hono";
import type { GatewayEnv } from "../chain/gateway";

/**
 * Bumps the stored config version: this isolate reloads on its next request,
 * every other isolate within PORTCULLIS_REVOCATION_SECONDS (told through the
 * Revocations object before this answers), else its config check interval.
 * `/tyk/reload/group` does the same, as every isolate is part of the one group.
 */
async function reload(c: Context<GatewayEnv>): Promise<Response> {
  const version = await c.get("gateway").store.bumpConfigVersion();
  c.get("gateway").configCache.invalidate();
  await c.get("gateway").revocations?.announceConfig(version);
  return c.json({ status: "ok", message: "" });
}

export const reloadRoutes = new Hono<GatewayEnv>().get("/reload", reload).get("/reload/group", reload);
