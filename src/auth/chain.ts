import { createMiddleware } from "hono/factory";
import type { AuthMethod } from "../apidef/compile";
import type { GatewayEnv } from "../types";
import { authenticateToken } from "./auth-token";
import { authenticateBasic } from "./basic-auth";
import { authenticateHmac } from "./hmac-signature";
import type { Authenticator, Identity } from "./identity";
import { authenticateJwt } from "./jwt";

const authenticators: Record<AuthMethod, Authenticator> = {
  basic_auth_user: authenticateBasic,
  hmac_key: authenticateHmac,
  jwt_claim: authenticateJwt,
  auth_token: authenticateToken,
};

/**
 * Classic Tyk's auth chain: every enabled method runs, in the order
 * basic → HMAC → JWT → auth token (`CompiledApi.authMethods`), and all must
 * pass; the first failure answers. The request carries the session of the
 * base identity method (`base_identity_provided_by`), which is what rate
 * limits, quotas and analytics key on. Keyless APIs and ignored paths skip it.
 */
export const authenticate = createMiddleware<GatewayEnv>(async (c, next) => {
  const api = c.get("api");
  if (api.authMethods.length === 0 || c.get("ignoredPath")) return next();
  let base: Identity | undefined;
  for (const method of api.authMethods) {
    const identity = await authenticators[method](c);
    if (method === api.baseIdentity) base = identity;
  }
  c.set("session", base?.session);
  c.set("sessionId", base?.sessionId);
  await next();
});
