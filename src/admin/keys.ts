import { Hono, type Context } from "hono";
import { dropKeyCounters, resetKeyQuotas, withLiveQuota } from "../ratelimit/admin";
import { decodeToken, generateKeyId, generateToken } from "../session/keys";
import type { Session } from "../session/schema";
import type { GatewayEnv } from "../chain/gateway";
import { applyEdit, grantsEverything, masterKeyRefused, parseSessionBody, resetQuota, stampCreated, withoutSecrets } from "./key-sessions";
import { hashNewPassword, startTrialPeriod, writeKey } from "./key-writes";
import { isStorable, storeKeyError } from "./ids";
import { keyReferenceWarnings, warningsField } from "./references";
import { apiError, bodyRefused, methodNotSupported, modified, readJsonBody } from "./responses";

/*
 * `/tyk/keys`: sessions. Every write and delete goes through the KeyStore so
 * this isolate's session cache changes at once; other isolates see the change
 * within their session cache TTL.
 */

type AdminContext = Context<GatewayEnv>;

const isOn = (value: string | undefined) => value === "true" || value === "1";

interface FoundKey {
  /** The key as the caller should know it: the token form, or the hash when looked up by hash. */
  key: string;
  storageId: string;
  session: Session;
}

/**
 * Finds a key the way Tyk does: by hash with `?hashed=true`, else by the key
 * itself, then (for a custom key given by its plain name) by the token Tyk made
 * from it and the org in `?org_id=` or the body.
 */
async function findKey(c: AdminContext, key: string, orgId: string): Promise<FoundKey | null> {
  const { keys } = c.get("gateway");
  if (isOn(c.req.query("hashed"))) {
    const session = isStorable("keys", key) ? await keys.read(key) : null;
    return session ? { key, storageId: key, session } : null;
  }
  for (const form of keys.candidates(key, orgId)) {
    const storageId = await keys.idOf(form);
    // Unhashed, a long key (or the token made from it) is its own storage id and may not fit the store.
    const session = isStorable("keys", storageId) ? await keys.read(storageId) : null;
    if (session) return { key: form.key, storageId, session };
  }
  return null;
}

/** Tyk refuses `?hashed=true` when keys are stored unhashed, as the hash would never match. */
function hashedLookupRefused(c: AdminContext): Response | null {
  if (!isOn(c.req.query("hashed")) || c.get("gateway").config.hashKeys) return null;
  return apiError(c, 400, "Key requested by hash but key hashing is not enabled");
}

async function listKeys(c: AdminContext): Promise<Response> {
  const { config, store } = c.get("gateway");
  if (config.hashKeys && !config.enableHashedKeysListing) {
    return apiError(c, 404, "Hashed key listing is disabled in config (enable_hashed_keys_listing)");
  }
  const ids = await store.listIds("keys");
  // Tyk's `?filter=` is an org or key prefix, and only applies to unhashed keys.
  const filter = config.hashKeys ? "" : (c.req.query("filter") ?? "");
  const keys = filter ? ids.filter((id) => id.startsWith(filter) || decodeToken(id)?.org === filter) : ids;
  return c.json({ keys }, 200);
}

/** Beyond Tyk's answer, only when there are any: APIs and policies the key names that the store does not hold. */
async function referenceWarnings(c: AdminContext, session: Session): Promise<{ warnings?: unknown[] }> {
  return warningsField(await keyReferenceWarnings(c.get("gateway").store, session));
}

/**
 * Stores a new key under `token` and answers with it (and its hash when hashing is on).
 * A custom key may replace one with live counters, whose quota restarts unless `suppress_reset`.
 * Unhashed, the token is the storage id: `madeFrom` names what made it too long, if it is.
 */
async function storeNewKey(c: AdminContext, token: string, session: Session, madeFrom: string, mayReplace = false): Promise<Response> {
  const { keys, config, limits } = c.get("gateway");
  const storageId = await keys.storageId(token);
  const tooLong = storeKeyError("keys", storageId);
  if (tooLong) return apiError(c, 400, `Failed to create key: the key made from ${madeFrom} ${tooLong}`);
  const now = new Date();
  const stamped = await startTrialPeriod(c, stampCreated(await hashNewPassword(c, session, null), now), now);
  const suppressReset = isOn(c.req.query("suppress_reset"));
  const prepared = suppressReset ? stamped : resetQuota(stamped, now);
  if (mayReplace && !suppressReset) await resetKeyQuotas(limits, storageId);
  await writeKey(c, storageId, prepared);
  return modified(c, token, "added", config.hashKeys ? storageId : undefined, await referenceWarnings(c, session));
}

/**
 * Reads and validates a key body. Tyk answers unparsable JSON on
 * `/tyk/keys/create` with 500 "Unmarshalling failed"; bad input is the
 * caller's mistake, so it is a 400 here.
 */
async function sessionFromBody(c: AdminContext, malformed: string): Promise<{ session: Session } | { error: Response }> {
  const body = await readJsonBody(c);
  if (!body.ok) return { error: bodyRefused(c, body.problem, malformed) };
  const parsed = parseSessionBody(body.value, malformed);
  if (!parsed.ok) return { error: apiError(c, 400, parsed.message) };
  if (grantsEverything(parsed.session) && !c.get("gateway").config.allowMasterKeys) return { error: apiError(c, 400, masterKeyRefused) };
  return { session: parsed.session };
}

async function createKey(c: AdminContext): Promise<Response> {
  const body = await sessionFromBody(c, "Unmarshalling failed");
  if ("error" in body) return body.error;
  const token = generateToken(body.session.org_id, generateKeyId(), c.get("gateway").config.hashKeyFunction);
  return storeNewKey(c, token, body.session, "org_id");
}

/** A custom key: Tyk wraps the chosen name in its token format and overwrites any key already there. */
async function createCustomKey(c: AdminContext): Promise<Response> {
  const customKey = c.req.param("key") ?? "";
  const minLength = c.get("gateway").config.minTokenLength;
  if (customKey.length < minLength) {
    return apiError(c, 400, `Custom key "${customKey}" is too short: keys must be at least ${minLength} characters (min_token_length)`);
  }
  const body = await sessionFromBody(c, "Request malformed");
  if ("error" in body) return body.error;
  const token = generateToken(body.session.org_id, customKey, c.get("gateway").config.hashKeyFunction);
  return storeNewKey(c, token, body.session, "the custom key and org_id", true);
}

async function getKey(c: AdminContext): Promise<Response> {
  const refused = hashedLookupRefused(c);
  if (refused) return refused;
  const found = await findKey(c, c.req.param("key") ?? "", c.req.query("org_id") ?? "");
  if (!found) return apiError(c, 404, "Key not found");
  return c.json(withoutSecrets(await withLiveQuota(c.get("gateway").limits, found.storageId, found.session)), 200);
}

async function updateKey(c: AdminContext): Promise<Response> {
  const refused = hashedLookupRefused(c);
  if (refused) return refused;
  const body = await sessionFromBody(c, "Request malformed");
  if ("error" in body) return body.error;
  const found = await findKey(c, c.req.param("key") ?? "", c.req.query("org_id") ?? body.session.org_id);
  if (!found) return apiError(c, 404, "Key is not found");
  const suppressReset = isOn(c.req.query("suppress_reset"));
  const session = applyEdit(body.session, found.session, new Date(), suppressReset);
  if (!suppressReset) await resetKeyQuotas(c.get("gateway").limits, found.storageId);
  await writeKey(c, found.storageId, await hashNewPassword(c, session, found.session));
  return modified(c, found.key, "modified", undefined, await referenceWarnings(c, session));
}

async function deleteKey(c: AdminContext): Promise<Response> {
  const refused = hashedLookupRefused(c);
  if (refused) return refused;
  const found = await findKey(c, c.req.param("key") ?? "", c.req.query("org_id") ?? "");
  if (!found || !(await c.get("gateway").keys.remove(found.storageId))) return apiError(c, 404, "There is no such key found");
  await dropKeyCounters(c.get("gateway").limits, found.storageId);
  return modified(c, found.key, "deleted");
}

export const keyRoutes = new Hono<GatewayEnv>()
  .get("/keys", listKeys)
  .post("/keys", createKey)
  .all("/keys", methodNotSupported)
  // Registered before "/keys/:key" so it wins for POST; other methods treat "create" as a key, as in Tyk.
  .post("/keys/create", createKey)
  .get("/keys/:key", getKey)
  .post("/keys/:key", createCustomKey)
  .put("/keys/:key", updateKey)
  .delete("/keys/:key", deleteKey)
  .all("/keys/:key", methodNotSupported);
