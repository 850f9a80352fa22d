import { createMiddleware } from "hono/factory";
import { isolateLogger, requestIdOf } from "../lib/logger";
import type { GatewayEnv } from "../chain/gateway";

export const gatewayVersion = "0.1.0";

type Status = "pass" | "warn" | "fail";

/**
 * Tyk's liveness document on `/<TYK_GW_HEALTHCHECKENDPOINTNAME>`: always HTTP
 * 200, with the store (KV or Upstash) reported as the `redis` datastore
 * component and Tyk's outage message, so existing monitors parse it.
 */
export const healthCheck = createMiddleware<GatewayEnv>(async (c, next) => {
  const { config, store } = c.get("gateway");
  if (c.req.path !== `/${config.healthCheckEndpointName}`) return next();
  if (c.req.method !== "GET") return c.json({ status: "error", message: "Method Not Allowed" }, 405);

  const component: { status: Status; componentType: "datastore"; time: string; output?: string } = {
    status: "pass",
    componentType: "datastore",
    time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
  try {
    await store.ping();
  } catch (error) {
    isolateLogger.with({ request_id: requestIdOf(c.req.raw.headers) }).error("store health check failed", { storage: config.storage.type, error });
    component.status = "fail";
    component.output = "storage: Redis is either down or was not configured";
  }
  return c.json({
    status: component.status,
    version: gatewayVersion,
    description: "Portcullis GW",
    details: { redis: component },
  });
});
