import type { Context } from "hono";
import type { GatewayEnv } from "../chain/gateway";
import { compileDefinition } from "../compile";
import { lengthIssues, storedRouteClaims } from "../apidef/write-rules";
import { object, type Json } from "../apidef/raw-json";
import { describeOasIssue, isOasDocument, parseOasDocument, type OasIssue } from "../oas/document";
import { extensionKey } from "../oas/export";
import { convertOas } from "../oas/to-classic";
import { idError, quoteId } from "./ids";
import { classicForms } from "./oas-stored";
import { apiError, modified } from "./responses";

/*
 * Storing a Tyk OAS definition, for every OAS write (POST, PUT, PATCH,
 * import): the document is validated (each issue names its JSON path), its
 * classic form compiled as the gateway will serve it, its route checked
 * against every stored API of either format, and the document stored exactly
 * as sent, plus `x-tyk-api-gateway.info.id` when a new API has none.
 */

type AdminContext = Context<GatewayEnv>;

/** Tyk's messages (apidef/api_definitions.go, gateway/api.go) for the OAS endpoints. */
export const oasMessages = {
  notFound: "API not found",
  malformed: "request malformed",
  withoutExtension: "the payload should contain x-tyk-api-gateway",
  importWithExtension: "the import payload should not contain x-tyk-api-gateway",
  classicOnOasEndpoint: "the requested API definition is in Tyk classic format, please use old api endpoint",
  oasOnClassicEndpoint: "this API endpoint only supports Tyk Classic APIs; please use the appropriate Tyk OAS API endpoint",
  notMigrated: "the supplied API definition is in OAS format, please use the Tyk classic format for this API",
  idMismatch: "Request APIID does not match that in Definition! For Update operations these must match.",
} as const;

const listenPathField = `$.${extensionKey}.server.listenPath.value`;

/** Tyk's API ids: a random UUID's 32 hex digits. */
export function generateApiId(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

export function apiIdOf(document: unknown): string | undefined {
  const id = object(object(object(document)[extensionKey]).info).id;
  return typeof id === "string" && id !== "" ? id : undefined;
}

function withApiId(document: Json, id: string): Json {
  const extension = object(document[extensionKey]);
  return { ...document, [extensionKey]: { ...extension, info: { ...object(extension.info), id } } };
}

export function invalidOas(c: AdminContext, issues: OasIssue[]): Response {
  const reason = issues.map(describeOasIssue).join("; ");
  return c.json({ status: "error", message: `Validation of API Definition failed. Reason: ${reason}.`, issues }, 400);
}

const invalid = (c: AdminContext, reason: string) => apiError(c, 400, `Validation of API Definition failed. Reason: ${reason}.`);

/** `urlId` is the id of the API a PUT or PATCH replaces; a POST or import has none and may be given a new id. */
export async function saveOasDocument(c: AdminContext, raw: unknown, urlId: string | undefined): Promise<Response> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return apiError(c, 400, oasMessages.malformed);
  if (!(extensionKey in raw)) return apiError(c, 400, oasMessages.withoutExtension);
  if (!isOasDocument(raw)) {
    const parsed = parseOasDocument(raw);
    return parsed.ok ? apiError(c, 400, oasMessages.malformed) : invalidOas(c, parsed.issues);
  }
  const document = urlId === undefined && apiIdOf(raw) === undefined ? withApiId(raw as Json, generateApiId()) : (raw as Json);
  const parsed = parseOasDocument(document);
  if (!parsed.ok) return invalidOas(c, parsed.issues);
  const apiId = apiIdOf(document) ?? "";
  if (urlId !== undefined && apiId !== urlId) return apiError(c, 400, oasMessages.idMismatch);
  const badId = idError("apis", apiId);
  if (badId) return apiError(c, 400, `Invalid API ID: ${extensionKey}.info.id ${badId}`);

  const converted = convertOas(parsed.document);
  if (converted.issues.length > 0) return invalidOas(c, converted.issues);
  const tooLong = lengthIssues(converted.definition);
  if (tooLong.length > 0) return invalid(c, tooLong.join("; "));
  // The document itself, as the gateway compiles it: what has no classic mapping joins the warnings.
  const compiled = compileDefinition(document, c.get("gateway").config);
  if (!compiled.ok) return invalid(c, compiled.error);

  const store = c.get("gateway").store;
  const stored = await store.getAll("apis");
  const existing = stored.get(apiId);
  if (urlId !== undefined && existing === undefined) return apiError(c, 404, oasMessages.notFound);
  // One API, one format: Tyk refuses to turn a classic API into an OAS one through an update.
  if (existing !== undefined && !isOasDocument(existing)) return apiError(c, 400, oasMessages.notMigrated);
  const owner = storedRouteClaims(classicForms(stored), apiId).claim(compiled.api, compiled.active, apiId);
  if (owner !== undefined) {
    return invalid(c, `${listenPathField}: "${compiled.api.listenPath}" on domain "${compiled.api.domain}" is already used by API ${quoteId(owner)}`);
  }
  await store.put("apis", apiId, document);
  await c.get("gateway").revocations?.announceDocument("apis", apiId, document);
  return modified(c, apiId, urlId === undefined ? "added" : "modified", undefined, { warnings: compiled.warnings });
}
