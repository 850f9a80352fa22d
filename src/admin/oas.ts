import { Hono, type Context } from "hono";
import type { GatewayEnv } from "../chain/gateway";
import { object, type Json } from "../apidef/raw-json";
import { isOasDocument } from "../oas/document";
import { exportedDocument, exportFileName, exportResponse, extensionKey } from "../oas/export";
import { buildTykExtension, importParamsFrom, syncOperations } from "../oas/import";
import { deleteApi } from "./apis";
import { isStorable } from "./ids";
import { readOasBody } from "./oas-body";
import { oasMessages, saveOasDocument } from "./oas-write";
import { apiError, bodyRefused, methodNotSupported } from "./responses";

/*
 * `/tyk/apis/oas`: Tyk OAS definitions (Tyk's gateway/api.go OAS handlers).
 * An OAS API is stored as its document and returned exactly as stored; the
 * classic endpoints (src/admin/apis.ts) see its classic form. Writes, as for
 * classic APIs, are served after `/tyk/reload`.
 */

type AdminContext = Context<GatewayEnv>;

const notFound = (c: AdminContext) => apiError(c, 404, oasMessages.notFound);

async function oasDocuments(c: AdminContext): Promise<unknown[]> {
  const documents = await c.get("gateway").store.getAll("apis");
  return [...documents.values()].filter(isOasDocument);
}

type Lookup = { ok: true; document: Json } | { ok: false; response: Response };

/** The stored OAS document under the URL's id; a classic API there is refused with Tyk's message for the route. */
async function storedOas(c: AdminContext, classicMessage: string = oasMessages.classicOnOasEndpoint): Promise<Lookup> {
  const id = c.req.param("id") ?? "";
  const document = isStorable("apis", id) ? await c.get("gateway").store.get("apis", id) : null;
  if (document === null) return { ok: false, response: notFound(c) };
  if (!isOasDocument(document)) return { ok: false, response: apiError(c, 400, classicMessage) };
  return { ok: true, document: document as Json };
}

async function getOas(c: AdminContext): Promise<Response> {
  const found = await storedOas(c);
  return found.ok ? c.json(found.document, 200) : found.response;
}

async function exportOas(c: AdminContext): Promise<Response> {
  const isPublic = c.req.query("mode") === "public";
  const id = c.req.param("id");
  if (id === undefined) {
    const all = (await oasDocuments(c)).map((document) => exportedDocument(document, isPublic));
    return exportResponse(all, exportFileName(undefined, isPublic));
  }
  const found = await storedOas(c);
  return found.ok ? exportResponse(exportedDocument(found.document, isPublic), exportFileName(id, isPublic)) : found.response;
}

async function createOas(c: AdminContext, urlId?: string): Promise<Response> {
  const body = await readOasBody(c);
  if (!body.ok) return bodyRefused(c, body.problem, oasMessages.malformed);
  return saveOasDocument(c, body.value, urlId);
}

async function importOas(c: AdminContext): Promise<Response> {
  const body = await readOasBody(c);
  if (!body.ok) return bodyRefused(c, body.problem, oasMessages.malformed);
  const raw = body.value;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return apiError(c, 400, oasMessages.malformed);
  if (extensionKey in raw) return apiError(c, 400, oasMessages.importWithExtension);
  const built = buildTykExtension(raw as Json, importParamsFrom((name) => c.req.query(name)) ?? {}, true);
  return built.ok ? saveOasDocument(c, built.document, undefined) : apiError(c, 400, built.message);
}

/**
 * Tyk's PATCH: a body with the extension and no query parameters is a PUT.
 * Otherwise the body's OpenAPI part replaces the stored one's, the extension
 * kept (or the body's, when it has one), the query parameters applied as on
 * import, and operation entries whose operation is gone dropped. The stored
 * `servers` stay when the body has none.
 */
async function patchOas(c: AdminContext): Promise<Response> {
  const id = c.req.param("id") ?? "";
  const found = await storedOas(c, oasMessages.notMigrated);
  if (!found.ok) return found.response;
  const body = await readOasBody(c);
  if (!body.ok) return bodyRefused(c, body.problem, oasMessages.malformed);
  const raw = body.value;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return apiError(c, 400, oasMessages.malformed);
  const params = importParamsFrom((name) => c.req.query(name));
  const patch = raw as Json;
  if (extensionKey in patch && params === undefined) return saveOasDocument(c, patch, id);

  const servers = Array.isArray(patch.servers) && patch.servers.length > 0 ? patch.servers : found.document.servers;
  const extension = extensionKey in patch ? patch[extensionKey] : found.document[extensionKey];
  let document: Json = { ...patch, ...(servers === undefined ? {} : { servers }), [extensionKey]: object(extension) };
  if (params !== undefined) {
    const built = buildTykExtension(document, params, false);
    if (!built.ok) return apiError(c, 400, built.message);
    document = built.document;
  }
  return saveOasDocument(c, syncOperations(document), id);
}

export const oasRoutes = new Hono<GatewayEnv>()
  .get("/apis/oas", async (c) => c.json(await oasDocuments(c), 200))
  .post("/apis/oas", (c) => createOas(c))
  .all("/apis/oas", methodNotSupported)
  .get("/apis/oas/export", exportOas)
  .post("/apis/oas/import", importOas)
  .get("/apis/oas/:id", getOas)
  .put("/apis/oas/:id", (c) => createOas(c, c.req.param("id")))
  .patch("/apis/oas/:id", patchOas)
  // Tyk deletes through the classic handler: either format goes.
  .delete("/apis/oas/:id", deleteApi)
  .all("/apis/oas/:id", methodNotSupported)
  .get("/apis/oas/:id/export", exportOas)
  .all("/apis/oas/:id/export", methodNotSupported);
