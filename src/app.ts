import { Hono, type Context } from "hono";
import { createMiddleware } from "hono/factory";
import { adminApi } from "./admin";
import { RequestContext } from "./chain/context";
import type { Bindings, Gateway, GatewayEnv } from "./chain/gateway";
import { errorResponse } from "./chain/step";
import { ConfigError } from "./config";
import { gatewayFor } from "./gateway";
import { healthCheck } from "./health/hello";
import { isolateLogger, requestIdOf } from "./lib/logger";
import { messages, renderTykError, TykError } from "./lib/tyk-error";
import { waitUntilOf } from "./lib/wait-until";

/**
 * Finds the API for the request's host and path (Tyk's plain-text 404 when
 * none) and runs its chain, the steps src/pipeline.ts lists that the API uses.
 */
async function serveApi(c: Context<GatewayEnv>, gateway: Gateway): Promise<Response> {
  const waitUntil = waitUntilOf(c);
  const snapshot = await gateway.configCache.current(waitUntil);
  const request = c.req.raw;
  const url = new URL(request.url);
  const match = snapshot.routes.match(request.headers.get("host") ?? url.host, url.pathname);
  if (!match) return c.text("Not Found", 404);
  const ctx = new RequestContext(request, url, gateway, match.api, match.listenPathLength, waitUntil);
  try {
    return await match.api.handle(ctx);
  } catch (error) {
    return errorResponse(ctx, error);
  }
}

/** A middleware's `next` when nothing follows it: the caller goes on itself. */
const goOn = async (): Promise<void> => {};

/**
 * The Worker's HTTP surface: the health check and Tyk's Gateway API first (as
 * Tyk serves them ahead of any listen path), then every other request goes to
 * the API it routes to. An API request matches one handler only, so Hono runs
 * it without composing middleware.
 */
export function createApp(resolveGateway: (bindings: Bindings) => Gateway = gatewayFor): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const withGateway = createMiddleware<GatewayEnv>(async (c, next) => {
    c.set("gateway", resolveGateway(c.env));
    await next();
  });

  app.use("/tyk/*", withGateway, healthCheck);
  app.route("/tyk", adminApi);
  app.all("*", async (c) => {
    const gateway = resolveGateway(c.env);
    c.set("gateway", gateway);
    return (await healthCheck(c, goOn)) ?? serveApi(c, gateway);
  });

  app.onError((error, c) => {
    const log = isolateLogger.with({ request_id: requestIdOf(c.req.raw.headers) });
    if (error instanceof ConfigError) {
      log.error(error.message);
      return c.json({ status: "error", message: error.message }, 500);
    }
    log.error("unhandled error", { error, stack: error.stack });
    const hide = c.get("gateway")?.config.hideGeneratorHeader ?? false;
    return renderTykError(new TykError(500, messages.internal), c.req.raw, hide);
  });

  return app;
}
