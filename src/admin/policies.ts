import { Hono, type Context } from "hono";
import { policySchema } from "../session/schema";
import type { GatewayEnv } from "../chain/gateway";
import { formatIssues } from "../lib/validation";
import { accessRightsPatternProblems } from "../apidef/paths";
import { idError, isStorable } from "./ids";
import { policyBounds } from "./number-bounds";
import { unknownApiWarnings, warningsField } from "./references";
import { apiError, bodyRefused, methodNotSupported, modified, readJsonBody, stringField } from "./responses";

/*
 * `/tyk/policies`. Like API definitions, policies are stored as sent once they
 * validate and go live on `/tyk/reload`.
 */

type AdminContext = Context<GatewayEnv>;

const notFound = (c: AdminContext) => apiError(c, 404, "Policy not found");

async function listPolicies(c: AdminContext): Promise<Response> {
  const documents = await c.get("gateway").store.getAll("policies");
  return c.json([...documents.values()], 200);
}

async function getPolicy(c: AdminContext): Promise<Response> {
  const id = c.req.param("id") ?? "";
  const document = isStorable("policies", id) ? await c.get("gateway").store.get("policies", id) : null;
  return document === null ? notFound(c) : c.json(document, 200);
}

/** Tyk policies carry their id in `id`, or in the Dashboard's `_id` when `id` is empty. */
function policyId(document: unknown): string {
  return stringField(document, "id") || stringField(document, "_id") || "";
}

/** POST creates or replaces (Tyk overwrites); PUT replaces an existing policy only. */
async function savePolicy(c: AdminContext, urlId: string | undefined): Promise<Response> {
  const body = await readJsonBody(c);
  if (!body.ok) return bodyRefused(c, body.problem, "Request malformed");
  if (typeof body.value !== "object" || body.value === null || Array.isArray(body.value)) return apiError(c, 400, "Request malformed");
  const raw = body.value;
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) return apiError(c, 400, `Request malformed: ${formatIssues(parsed.error)}`);
  const unsafePatterns = accessRightsPatternProblems(parsed.data.access_rights);
  if (unsafePatterns.length > 0) return apiError(c, 400, `Request malformed: ${unsafePatterns.join("; ")}`);
  const bounds = policyBounds.safeParse(raw);
  if (!bounds.success) return apiError(c, 400, `Request malformed: ${formatIssues(bounds.error)}`);

  const id = policyId(raw);
  if (urlId !== undefined && id !== urlId) {
    return apiError(c, 400, "Request ID does not match that in policy! For Update operations these must match.");
  }
  if (id === "") return apiError(c, 400, "Unable to create policy without id.");
  const badId = idError("policies", id);
  if (badId) return apiError(c, 400, `Invalid policy ID: id ${badId}`);

  const store = c.get("gateway").store;
  const updating = c.req.method === "PUT";
  if (updating && (await store.get("policies", id)) === null) return notFound(c);
  await store.put("policies", id, raw);
  await c.get("gateway").revocations?.announceDocument("policies", id, raw);
  // Beyond Tyk's answer, only when there are any: granted APIs the store does not hold.
  const warnings = warningsField(await unknownApiWarnings(store, parsed.data.access_rights));
  return modified(c, id, updating ? "modified" : "added", undefined, warnings);
}

async function deletePolicy(c: AdminContext): Promise<Response> {
  const id = c.req.param("id") ?? "";
  // Tyk answers a missing policy with 500 "Delete failed"; it is the caller's mistake, so 404.
  if (!isStorable("policies", id) || !(await c.get("gateway").store.delete("policies", id))) return notFound(c);
  await c.get("gateway").revocations?.announceDocument("policies", id, null);
  return modified(c, id, "deleted");
}

// Tyk says "Must specify an apiID to …" on the policy routes too; these name the policy.
export const policyRoutes = new Hono<GatewayEnv>()
  .get("/policies", listPolicies)
  .post("/policies", (c) => savePolicy(c, undefined))
  .put("/policies", (c) => apiError(c, 400, "Must specify a policy ID to update"))
  .delete("/policies", (c) => apiError(c, 400, "Must specify a policy ID to delete"))
  .all("/policies", methodNotSupported)
  .get("/policies/:id", getPolicy)
  .on(["POST", "PUT"], "/policies/:id", (c) => savePolicy(c, c.req.param("id")))
  .delete("/policies/:id", deletePolicy)
  .all("/policies/:id", methodNotSupported);
