import { Hono, type Context } from "hono";
import { compileDefinition } from "../compile";
import type { GatewayEnv } from "../chain/gateway";
import { lengthIssues, routeTaken, storedRouteClaims } from "../apidef/write-rules";
import { isOasDocument } from "../oas/document";
import { idError, isStorable, quoteId } from "./ids";
import { classicFormOf, classicForms } from "./oas-stored";
import { oasMessages } from "./oas-write";
import { apiError, bodyRefused, methodNotSupported, modified, readJsonBody, stringField } from "./responses";

/*
 * `/tyk/apis`: classic API definitions. As in Tyk, a write is stored but not
 * served until `/tyk/reload` (or `/tyk/reload/group`), so several changes go
 * live together. Definitions are stored exactly as sent, unknown fields and all,
 * once they validate; the answer lists every field nothing honours
 * (`warnings`), and an API whose warnings include a security-relevant field is
 * stored but not served. A definition is refused when another active stored
 * API already has its domain + listen path (src/apidef/write-rules.ts).
 */

type AdminContext = Context<GatewayEnv>;

const notFound = (c: AdminContext) => apiError(c, 404, "API not found");
const invalid = (c: AdminContext, reason: string) => apiError(c, 400, `Validation of API Definition failed. Reason: ${reason}.`);

/** Every API, Tyk OAS ones in their classic form (`is_oas: true`), as Tyk lists them. */
async function listApis(c: AdminContext): Promise<Response> {
  const documents = await c.get("gateway").store.getAll("apis");
  return c.json([...classicForms(documents).values()], 200);
}

async function getApi(c: AdminContext): Promise<Response> {
  const id = c.req.param("id") ?? "";
  const document = isStorable("apis", id) ? await c.get("gateway").store.get("apis", id) : null;
  return document === null ? notFound(c) : c.json(classicFormOf(document), 200);
}

type IdCheck = { ok: true; id: string } | { ok: false; message: string };

/** The definition's `api_id`, once it is usable and matches the URL's. */
function checkApiId(raw: unknown, urlId: string | undefined): IdCheck {
  const apiId = stringField(raw, "api_id");
  if (urlId !== undefined && apiId !== urlId) {
    return { ok: false, message: "Request APIID does not match that in Definition! For Update operations these must match." };
  }
  if (apiId === undefined) return { ok: false, message: "Invalid API ID: api_id is required" };
  const badId = idError("apis", apiId);
  return badId ? { ok: false, message: `Invalid API ID: api_id ${badId}` } : { ok: true, id: apiId };
}

/** POST creates or replaces (Tyk overwrites); PUT replaces an existing definition only. */
async function saveApi(c: AdminContext, urlId: string | undefined): Promise<Response> {
  const body = await readJsonBody(c);
  if (!body.ok) return bodyRefused(c, body.problem, "Request malformed");
  if (typeof body.value !== "object" || body.value === null || Array.isArray(body.value)) return apiError(c, 400, "Request malformed");
  const raw = body.value;
  if (isOasDocument(raw)) return apiError(c, 400, oasMessages.notMigrated);
  const id = checkApiId(raw, urlId);
  if (!id.ok) return apiError(c, 400, id.message);
  const apiId = id.id;

  const tooLong = lengthIssues(raw);
  if (tooLong.length > 0) return invalid(c, tooLong.join("; "));
  const compiled = compileDefinition(raw, c.get("gateway").config);
  if (!compiled.ok) return invalid(c, compiled.error);

  const store = c.get("gateway").store;
  const stored = await store.getAll("apis");
  const updating = c.req.method === "PUT";
  if (updating && !stored.has(apiId)) return notFound(c);
  if (isOasDocument(stored.get(apiId))) return apiError(c, 400, oasMessages.oasOnClassicEndpoint);
  // Checked against the store, not the served snapshot, so writes not yet reloaded count too.
  const owner = storedRouteClaims(classicForms(stored), apiId).claim(compiled.api, compiled.active, apiId);
  if (owner !== undefined) return invalid(c, routeTaken(compiled.api, `API ${quoteId(owner)}`));
  await store.put("apis", apiId, raw);
  await c.get("gateway").revocations?.announceDocument("apis", apiId, raw);
  // Beyond Tyk's answer: what the definition sets that this gateway does not honour (see the README).
  return modified(c, apiId, updating ? "modified" : "added", undefined, { warnings: compiled.warnings });
}

/** Either format: Tyk's OAS route deletes through this handler too. */
export async function deleteApi(c: AdminContext): Promise<Response> {
  const apiId = c.req.param("id") ?? "";
  // Tyk answers a missing definition with 500 "Delete failed"; it is the caller's mistake, so 404.
  if (!isStorable("apis", apiId) || !(await c.get("gateway").store.delete("apis", apiId))) return notFound(c);
  await c.get("gateway").revocations?.announceDocument("apis", apiId, null);
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
