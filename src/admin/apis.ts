import { Hono, type Context } from "hono";
import { compileDefinition } from "../compile";
import type { GatewayEnv } from "../chain/gateway";
import { apiError, idError, methodNotSupported, modified, readJsonBody, stringField } from "./responses";

/*
 * `/tyk/apis`: classic API definitions. As in Tyk, a write is stored but not
 * served until `/tyk/reload` (or `/tyk/reload/group`), so several changes go
 * live together. Definitions are stored exactly as sent, unknown fields and all,
 * once they validate; the answer lists every field nothing honours
 * (`warnings`), and an API whose warnings include a security-relevant field is
 * stored but not served.
 */

type AdminContext = Context<GatewayEnv>;

const notFound = (c: AdminContext) => apiError(c, 404, "API not found");

async function listApis(c: AdminContext): Promise<Response> {
  const documents = await c.get("gateway").store.getAll("apis");
  return c.json([...documents.values()], 200);
}

async function getApi(c: AdminContext): Promise<Response> {
  const document = await c.get("gateway").store.get("apis", c.req.param("id") ?? "");
  return document === null ? notFound(c) : c.json(document, 200);
}

/** POST creates or replaces (Tyk overwrites); PUT replaces an existing definition only. */
async function saveApi(c: AdminContext, urlId: string | undefined): Promise<Response> {
  const body = await readJsonBody(c);
  if (!body.ok || typeof body.value !== "object" || body.value === null || Array.isArray(body.value)) {
    return apiError(c, 400, "Request malformed");
  }
  const raw = body.value;
  const apiId = stringField(raw, "api_id");
  if (urlId !== undefined && apiId !== urlId) {
    return apiError(c, 400, "Request APIID does not match that in Definition! For Update operations these must match.");
  }
  if (apiId === undefined) return apiError(c, 400, "Invalid API ID: api_id is required");
  const badId = idError(apiId);
  if (badId) return apiError(c, 400, `Invalid API ID: api_id ${badId}`);

  const compiled = compileDefinition(raw, c.get("gateway").config);
  if (!compiled.ok) return apiError(c, 400, `Validation of API Definition failed. Reason: ${compiled.error}.`);

  const store = c.get("gateway").store;
  const updating = c.req.method === "PUT";
  if (updating && (await store.get("apis", apiId)) === null) return notFound(c);
  await store.put("apis", apiId, raw);
  // Beyond Tyk's answer: what the definition sets that this gateway does not honour (see the README).
  return modified(c, apiId, updating ? "modified" : "added", undefined, { warnings: compiled.warnings });
}

async function deleteApi(c: AdminContext): Promise<Response> {
  const apiId = c.req.param("id") ?? "";
  // Tyk answers a missing definition with 500 "Delete failed"; it is the caller's mistake, so 404.
  if (!(await c.get("gateway").store.delete("apis", apiId))) return notFound(c);
  return modified(c, apiId, "deleted");
}

export const apiRoutes = new Hono<GatewayEnv>()
  .get("/apis", listApis)
  .post("/apis", (c) => saveApi(c, undefined))
  .put("/apis", (c) => apiError(c, 400, "Must specify an apiID to update"))
  .delete("/apis", (c) => apiError(c, 400, "Must specify an apiID to delete"))
  .all("/apis", methodNotSupported)
  .get("/apis/:id", getApi)
  .on(["POST", "PUT"], "/apis/:id", (c) => saveApi(c, c.req.param("id")))
  .delete("/apis/:id", deleteApi)
  .all("/apis/:id", methodNotSupported);
