import { Hono, type Context } from "hono";
import type { Gateway, GatewayEnv } from "../chain/gateway";

/*
 * Tyk's Gateway API is mounted under `/tyk`, but its routes and what only they
 * use (Tyk OAS import and export, YAML, definition and key writes) are loaded
 * on the first `/tyk/` request: an isolate that only proxies never evaluates
 * them, which keeps them off every cold start.
 */

/** The request's gateway, handed from the app's context to the Gateway API's own. */
const gateways = new WeakMap<Request, Gateway>();

let routes: Promise<Hono<GatewayEnv>> | undefined;

function loadRoutes(): Promise<Hono<GatewayEnv>> {
  routes ??= import("./routes").then(({ adminApi }) => {
    const app = new Hono<GatewayEnv>();
    app.use(async (c, next) => {
      const gateway = gateways.get(c.req.raw);
      if (gateway) c.set("gateway", gateway);
      await next();
    });
    // The same mount as the app's, so paths match exactly as if the routes were mounted there directly.
    app.route("/tyk", adminApi);
    return app;
  });
  routes.catch(() => (routes = undefined));
  return routes;
}

/** `c.executionCtx` when the runtime gives one (tests calling `app.request` may not). */
function executionCtxOf(c: Context): Context["executionCtx"] | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

export const adminApi = new Hono<GatewayEnv>();

adminApi.all("*", async (c) => {
  const app = await loadRoutes();
  gateways.set(c.req.raw, c.get("gateway"));
  return app.fetch(c.req.raw, c.env, executionCtxOf(c));
});
