import { Hono } from "hono";
import { adminApi } from "./admin";
import { ConfigError } from "./config";
import { messages, renderTykError, TykError } from "./errors";
import { gatewayFor } from "./gateway";
import { healthCheck } from "./health/hello";
import { pipeline } from "./pipeline";
import type { GatewayEnv } from "./types";

/**
 * The Worker's HTTP surface: the health check and Tyk's Gateway API first (as
 * Tyk serves them ahead of any listen path), then every other request goes
 * through the proxy pipeline.
 */
export function createApp(): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();

  app.use(async (c, next) => {
    c.set("gateway", gatewayFor(c.env));
    await next();
  });
  app.use(healthCheck);
  app.route("/tyk", adminApi);
  app.all("*", ...pipeline);

  app.onError((error, c) => {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return c.json({ status: "error", message: error.message }, 500);
    }
    const tykError = error instanceof TykError ? error : new TykError(500, messages.internal);
    if (tykError !== error) console.error(JSON.stringify({ message: "unhandled error", error: String(error), stack: (error as Error).stack }));
    const hide = c.get("gateway")?.config.hideGeneratorHeader ?? false;
    return renderTykError(tykError, c.req.raw, hide);
  });

  return app;
}
