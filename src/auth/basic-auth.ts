import type { Context } from "hono";
import { TykError } from "../errors";
import { waitUntilOf } from "../middleware/wait-until";
import type { FoundSession } from "../session/key-store";
import type { GatewayEnv } from "../types";
import { authConfigFor, readCredential } from "./credentials";
import type { Authenticator } from "./identity";
import { PasswordCheckCache } from "./password-cache";
import { verifyPassword } from "./password-hash";

/*
 * Tyk's basic auth (gateway/mw_basic_auth.go): the username is the key id,
 * the password is checked against `basic_auth_data`. Credentials come from the
 * Authorization header or, with `basic_auth.extract_from_body`, from the body.
 */

const malformed = "Attempted access with malformed header";
const strictBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const defaultCacheTtlSeconds = 60;
const passwordChecks = new PasswordCheckCache();

interface Credentials {
  username: string;
  password: string;
}

type Parsed = { ok: true; credentials: Credentials } | { ok: false; error: TykError };

function challenge(c: Context<GatewayEnv>, message: string): TykError {
  return new TykError(401, message, { "WWW-Authenticate": `Basic realm="${c.get("api").name}"` });
}

function fromHeader(c: Context<GatewayEnv>): Parsed {
  const token = readCredential(c.req.raw, c.get("url"), authConfigFor(c.get("api"), "basic"));
  if (!token) return { ok: false, error: challenge(c, "Authorization field missing") };
  const parts = token.split(" ");
  if (parts.length !== 2) return { ok: false, error: new TykError(400, `${malformed}, header not in basic auth format`) };
  const encoded = parts[1]!;
  if (!strictBase64.test(encoded)) return { ok: false, error: new TykError(400, `${malformed}, auth data not encoded correctly`) };
  const decoded = new TextDecoder().decode(Uint8Array.from(atob(encoded), (char) => char.charCodeAt(0)));
  const values = decoded.split(":");
  if (values.length !== 2) return { ok: false, error: new TykError(400, `${malformed}, values not in basic auth format`) };
  return { ok: true, credentials: { username: values[0]!, password: values[1]! } };
}

function firstGroup(pattern: RegExp, body: string, field: "username" | "password"): string {
  const match = pattern.exec(body);
  if (!match) throw new TykError(400, `Body do not contain ${field}`);
  if (match.length < 2 || match[1] === undefined) throw new TykError(400, `${field} should be inside regexp match group`);
  return match[1];
}

/** The body is read from a clone, so it still streams to the upstream. */
async function fromBody(c: Context<GatewayEnv>, patterns: { user: RegExp; password: RegExp }): Promise<Credentials> {
  const body = await c.req.raw.clone().text();
  return { username: firstGroup(patterns.user, body, "username"), password: firstGroup(patterns.password, body, "password") };
}

async function credentialsOf(c: Context<GatewayEnv>): Promise<Credentials> {
  const header = fromHeader(c);
  if (header.ok) return header.credentials;
  const patterns = c.get("api").basicAuthBody;
  if (!patterns) throw header.error;
  return fromBody(c, patterns);
}

/** The user's key, then (as Tyk does) the legacy `org_id + username` key. */
async function findUser(c: Context<GatewayEnv>, username: string): Promise<FoundSession | null> {
  const { keys } = c.get("gateway");
  const orgId = c.get("api").orgId;
  const waitUntil = waitUntilOf(c);
  const found = await keys.lookup(username, orgId, waitUntil);
  if (found) return found;
  const legacy = orgId + (username.startsWith(orgId) ? username.slice(orgId.length) : username);
  return legacy === username ? null : keys.lookup(legacy, orgId, waitUntil);
}

/**
 * A key without a basic auth password never passes. Tyk compares an empty
 * stored password as plain text, so any key id with an empty password would
 * get in; Portcullis refuses it.
 */
async function passwordMatches(c: Context<GatewayEnv>, found: FoundSession, password: string): Promise<boolean> {
  const stored = found.session.basic_auth_data;
  if (!stored || stored.password === "") return false;
  const settings = c.get("api").definition.basic_auth;
  if (settings.disable_caching) return verifyPassword(stored, password);
  const ttlSeconds = settings.cache_ttl > 0 ? settings.cache_ttl : defaultCacheTtlSeconds;
  return passwordChecks.verify(stored, password, ttlSeconds * 1000);
}

export const authenticateBasic: Authenticator = async (c) => {
  const { username, password } = await credentialsOf(c);
  const found = await findUser(c, username);
  if (!found || !(await passwordMatches(c, found, password))) throw challenge(c, "User not authorised");
  return { session: found.session, sessionId: found.storageId };
};
