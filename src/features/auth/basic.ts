import { readCredential } from "../../auth/credentials";
import { verifyPassword } from "../../auth/password-hash";
import type { RequestContext } from "../../chain/context";
import { bytesFromBase64, fromUtf8 } from "../../lib/encoding";
import { messages, TykError } from "../../lib/tyk-error";
import type { FoundSession } from "../../session/key-store";
import type { Authenticator, AuthOptions } from "./options";

/*
 * Tyk's basic auth (gateway/mw_basic_auth.go): the username is the key id,
 * the password is checked against `basic_auth_data`. Credentials come from the
 * Authorization header or, with `basic_auth.extract_from_body`, from the body.
 */

interface Credentials {
  username: string;
  password: string;
}

type Parsed = { ok: true; credentials: Credentials } | { ok: false; error: TykError };

function challenge(options: AuthOptions, message: string): TykError {
  return new TykError(401, message, { "WWW-Authenticate": `Basic realm="${options.basic.realm}"` });
}

function fromHeader(ctx: RequestContext, options: AuthOptions): Parsed {
  const token = readCredential(ctx.request, ctx.url, options.basic.config);
  if (!token) return { ok: false, error: challenge(options, messages.authFieldMissing) };
  const parts = token.split(" ");
  if (parts.length !== 2) return { ok: false, error: new TykError(400, messages.basicMalformedHeader) };
  const decoded = bytesFromBase64(parts[1]!);
  if (!decoded) return { ok: false, error: new TykError(400, messages.basicMalformedEncoding) };
  const values = fromUtf8(decoded).split(":");
  if (values.length !== 2) return { ok: false, error: new TykError(400, messages.basicMalformedValues) };
  return { ok: true, credentials: { username: values[0]!, password: values[1]! } };
}

function firstGroup(pattern: RegExp, body: string, field: "username" | "password"): string {
  const match = pattern.exec(body);
  if (!match) throw new TykError(400, messages.basicBodyMissing(field));
  if (match.length < 2 || match[1] === undefined) throw new TykError(400, messages.basicBodyNoGroup(field));
  return match[1];
}

/** The body is read from a copy, so it still streams to the upstream. */
async function fromBody(ctx: RequestContext, patterns: { user: RegExp; password: RegExp }): Promise<Credentials> {
  const body = await new Response(ctx.teeBody()).text();
  return { username: firstGroup(patterns.user, body, "username"), password: firstGroup(patterns.password, body, "password") };
}

async function credentialsOf(ctx: RequestContext, options: AuthOptions): Promise<Credentials> {
  const header = fromHeader(ctx, options);
  if (header.ok) return header.credentials;
  if (!options.basic.body) throw header.error;
  return fromBody(ctx, options.basic.body);
}

/** The user's key, then (as Tyk does) the legacy `org_id + username` key. */
async function findUser(ctx: RequestContext, username: string): Promise<FoundSession | null> {
  const { keys } = ctx.gateway;
  const orgId = ctx.api.orgId;
  const found = await keys.lookup(username, orgId, ctx.waitUntil);
  if (found) return found;
  const legacy = orgId + (username.startsWith(orgId) ? username.slice(orgId.length) : username);
  return legacy === username ? null : keys.lookup(legacy, orgId, ctx.waitUntil);
}

/**
 * A key without a basic auth password never passes. Tyk compares an empty
 * stored password as plain text, so any key id with an empty password would
 * get in; Portcullis refuses it.
 */
async function passwordMatches(ctx: RequestContext, options: AuthOptions, found: FoundSession, password: string): Promise<boolean> {
  const stored = found.session.basic_auth_data;
  if (!stored || stored.password === "") return false;
  const ttlMs = options.basic.cacheTtlMs;
  if (ttlMs === null) return verifyPassword(stored, password);
  return ctx.gateway.caches.passwordChecks.verify(stored, password, ttlMs);
}

export const authenticateBasic: Authenticator = async (ctx, options) => {
  const { username, password } = await credentialsOf(ctx, options);
  const found = await findUser(ctx, username);
  if (!found || !(await passwordMatches(ctx, options, found, password))) throw challenge(options, messages.basicUserNotAuthorised);
  return { session: found.session, sessionId: found.storageId };
};
