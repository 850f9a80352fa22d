import { createMiddleware } from "hono/factory";
import type { GatewayEnv } from "../types";

const encoder = new TextEncoder();

/**
 * Compares secrets in constant time. Both are hashed first so the comparison
 * neither leaks where they differ nor how long the expected one is.
 */
export async function secretsMatch(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([presented, expected].map((text) => crypto.subtle.digest("SHA-256", encoder.encode(text))));
  return crypto.subtle.timingSafeEqual(a!, b!);
}

/**
 * Guards the Gateway API with `X-Tyk-Authorization`. Unlike Tyk, an unset
 * secret does not open the API: it closes it.
 */
export const requireAdminSecret = createMiddleware<GatewayEnv>(async (c, next) => {
  const secret = c.get("gateway").config.secret;
  if (!secret) {
    return c.json({ status: "error", message: "The Gateway API is disabled: set TYK_GW_SECRET to enable it" }, 403);
  }
  if (!(await secretsMatch(c.req.header("x-tyk-authorization") ?? "", secret))) {
    return c.json({ status: "error", message: "Attempted administrative access with invalid or missing key!" }, 403);
  }
  await next();
});
