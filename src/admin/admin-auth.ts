import { createMiddleware } from "hono/factory";
import { constantTimeEqual } from "../lib/constant-time";
import type { GatewayEnv } from "../chain/gateway";

/**
 * Guards the Gateway API with `X-Tyk-Authorization`. Unlike Tyk, an unset
 * secret does not open the API: it closes it.
 */
export const requireAdminSecret = createMiddleware<GatewayEnv>(async (c, next) => {
  const secret = c.get("gateway").config.secret;
  if (!secret) {
    return c.json({ status: "error", message: "The Gateway API is disabled: set TYK_GW_SECRET to enable it" }, 403);
  }
  if (!(await constantTimeEqual(c.req.header("x-tyk-authorization") ?? "", secret))) {
    return c.json({ status: "error", message: "Attempted administrative access with invalid or missing key!" }, 403);
  }
  return next();
});
