import { createMiddleware } from "hono/factory";
import type { Gateway, GatewayEnv } from "../chain/gateway";
import { LivenessCheck } from "./liveness";

export const gatewayVersion = "0.1.0";

type Status = "pass" | "warn" | "fail";

/** One check per isolate's gateway, living and dying with it (the surfaces layer cannot hang state on Gateway's type). */
const checks = new WeakMap<Gateway, LivenessCheck>();

function livenessOf(gateway: Gateway): LivenessCheck {
  let check = checks.get(gateway);
  if (!check) {
    check = new LivenessCheck(gateway.store, gateway.config.health.checkDurationMs, gateway.config.storage.type);
    checks.set(gateway, check);
  }
  return check;
}

/**
 * Tyk's liveness document on `/<TYK_GW_HEALTHCHECKENDPOINTNAME>`: always HTTP
 * 200, with the store (KV or Upstash) reported as the `redis` datastore
 * component and Tyk's outage message, so existing monitors parse it. The
 * store's state is at most TYK_GW_LIVENESSCHECK_CHECKDURATION seconds old.
 */
export const healthCheck = createMiddleware<GatewayEnv>(async (c, next) => {
  const gateway = c.get("gateway");
  const { config } = gateway;
  if (c.req.path !== `/${config.healthCheckEndpointName}`) return next();
  if (c.req.method !== "GET") return c.json({ status: "error", message: "Method Not Allowed" }, 405);

  const checked = await livenessOf(gateway).result();
  const component: { status: Status; componentType: "datastore"; time: string; output?: string } = {
    status: "pass",
    componentType: "datastore",
    time: checked.time,
  };
  if (!checked.ok) {
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
