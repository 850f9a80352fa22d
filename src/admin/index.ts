import { Hono } from "hono";
import { isolateLogger, requestIdOf } from "../lib/logger";
import type { GatewayEnv } from "../chain/gateway";
import { requireAdminSecret } from "./admin-auth";
import { apiRoutes } from "./apis";
import { certRoutes } from "./certs";
import { cacheRoutes } from "./cache";
import { keyRoutes } from "./keys";
import { oasRoutes } from "./oas";
import { oauthClientRoutes } from "./oauth-clients";
import { oauthTokenRoutes } from "./oauth-tokens";
import { policyRoutes } from "./policies";
import { reloadRoutes } from "./reload";
import { apiError, methodNotSupported } from "./responses";

/** Tyk's Gateway API, mounted under `/tyk`. Every answer, errors included, is Tyk's JSON shape. */
export const adminApi = new Hono<GatewayEnv>();

adminApi.use(requireAdminSecret);
adminApi.route("/", reloadRoutes);
adminApi.all("/reload", methodNotSupported);
adminApi.all("/reload/group", methodNotSupported);
// Before the classic routes, so `/apis/oas` is not read as the id "oas".
adminApi.route("/", oasRoutes);
adminApi.route("/", apiRoutes);
adminApi.route("/", keyRoutes);
adminApi.route("/", policyRoutes);
adminApi.route("/", oauthClientRoutes);
adminApi.route("/", oauthTokenRoutes);
adminApi.route("/", certRoutes);
adminApi.route("/", cacheRoutes);
// The app's catch-all proxy route would otherwise take unknown `/tyk/` paths.
adminApi.all("*", (c) => apiError(c, 404, "Not found"));

adminApi.onError((error, c) => {
  isolateLogger.with({ request_id: requestIdOf(c.req.raw.headers) }).error("Gateway API request failed", { path: c.req.path, error });
  return apiError(c, 500, "The Gateway API could not complete the request; see the gateway logs");
});
