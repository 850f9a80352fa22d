import { Hono } from "hono";
import type { GatewayEnv } from "../types";
import { requireAdminSecret } from "./admin-auth";
import { reloadRoutes } from "./reload";

/** Tyk's Gateway API, mounted under `/tyk`. */
export const adminApi = new Hono<GatewayEnv>();

adminApi.use(requireAdminSecret);
adminApi.route("/", reloadRoutes);
adminApi.notFound((c) => c.json({ status: "error", message: "Not found" }, 404));
