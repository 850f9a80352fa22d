import { policyIdsOf } from "../session/policies";
import { sessionSchema, type Policy, type Session } from "../session/schema";
import { formatIssues } from "../lib/validation";
import { accessRightsPatternProblems } from "../apidef/paths";
import { sessionBounds } from "./number-bounds";

/*
 * How the Gateway API prepares a session before storing it, following Tyk's
 * key handlers (gateway/api.go): creation and edit stamps, the quota reset an
 * admin write implies, and keeping secrets out of responses.
 */

export type SessionResult = { ok: true; session: Session } | { ok: false; message: string };

/** Validates a key body; `malformed` is Tyk's message for the route, extended with the fields at fault. */
export function parseSessionBody(raw: unknown, malformed: string): SessionResult {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { ok: false, message: malformed };
  const parsed = sessionSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, message: `${malformed}: ${formatIssues(parsed.error)}` };
  const unsafePatterns = accessRightsPatternProblems(parsed.data.access_rights);
  if (unsafePatterns.length > 0) return { ok: false, message: `${malformed}: ${unsafePatterns.join("; ")}` };
  const bounds = sessionBounds.safeParse(raw);
  return bounds.success ? { ok: true, session: parsed.data } : { ok: false, message: `${malformed}: ${formatIssues(bounds.error)}` };
}

export const masterKeyRefused = "Failed to create key, keys must have at least one Access Rights record set.";

/**
 * A key without access rights may call every API (a master key), so it needs
 * TYK_GW_ALLOWMASTERKEYS. A key with policies gets its access rights from them.
 */
export function grantsEverything(session: Session): boolean {
  return Object.keys(session.access_rights).length === 0 && policyIdsOf(session).length === 0;
}

/** Tyk's trial period: a new key whose policy sets `key_expires_in` expires that many seconds after creation. */
export function applyKeyExpiresIn(session: Session, policies: ReadonlyMap<string, Policy>, now: Date): Session {
  const expiresIn = Math.max(0, ...policyIdsOf(session).map((id) => policies.get(id)?.key_expires_in ?? 0));
  return expiresIn > 0 ? { ...session, expires: unixSeconds(now) + expiresIn } : session;
}

function unixSeconds(now: Date): number {
  return Math.floor(now.getTime() / 1000);
}

/** Tyk stamps `date_created` as RFC 3339 and `last_updated` as Unix seconds in a string. */
export function stampCreated(session: Session, now: Date): Session {
  return { ...session, date_created: now.toISOString(), last_updated: String(unixSeconds(now)) };
}

/** An admin write starts a fresh quota period, as Tyk resets the quota on create and edit. */
export function resetQuota(session: Session, now: Date): Session {
  if (session.quota_renewal_rate <= 0) return session;
  return { ...session, quota_renews: unixSeconds(now) + session.quota_renewal_rate, quota_remaining: session.quota_max };
}

/**
 * An edit keeps what the caller may not change: the creation date, and the
 * basic auth password when the body has none (GET blanks it, so a read-modify-write
 * must not wipe it). With `suppress_reset` the quota period and `last_updated`
 * (which rate limiters read) carry over; otherwise the quota restarts.
 */
export function applyEdit(session: Session, original: Session, now: Date, suppressReset: boolean): Session {
  const edited: Session = { ...session, date_created: original.date_created };
  if (!basicAuthPassword(session) && basicAuthPassword(original)) edited["basic_auth_data"] = original["basic_auth_data"];
  if (suppressReset) {
    return { ...edited, quota_renews: original.quota_renews, quota_remaining: original.quota_remaining, last_updated: original.last_updated };
  }
  return resetQuota({ ...edited, last_updated: String(unixSeconds(now)) }, now);
}

function basicAuthPassword(session: Session): string {
  const data = session["basic_auth_data"];
  if (typeof data !== "object" || data === null) return "";
  const password = (data as Record<string, unknown>)["password"];
  return typeof password === "string" ? password : "";
}

/** The session as the Gateway API shows it: the basic auth password is never returned. */
export function withoutSecrets(session: Session): Session {
  const data = session["basic_auth_data"];
  if (typeof data !== "object" || data === null) return session;
  return { ...session, basic_auth_data: { ...data, password: "" } };
}
