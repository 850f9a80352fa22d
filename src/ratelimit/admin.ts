import type { AccessDefinition, ApiLimit, Session } from "../session/schema";
import type { QuotaReading } from "./counters";
import { limitIsSet, scopeOf } from "../session/limits";
import { isolateLogger } from "../lib/logger";
import type { Limits } from "./service";

/*
 * What the Gateway API's key routes need from the limiters: live quota values
 * for GET, a quota reset for writes without `suppress_reset`, and dropping
 * every counter when a key is deleted.
 */

function live(max: number, reading: QuotaReading | undefined, storedRenews: number): { quota_remaining: number; quota_renews: number } {
  // No counter yet means nothing was used in the current period, as in Tyk.
  if (!reading || reading.renewsAt === 0) return { quota_remaining: Math.max(0, max - (reading?.used ?? 0)), quota_renews: storedRenews };
  return { quota_remaining: Math.max(0, max - reading.used), quota_renews: Math.floor(reading.renewsAt / 1000) };
}

const hasPerApiQuota = (access: AccessDefinition): access is AccessDefinition & { limit: ApiLimit } => limitIsSet(access.limit) && access.limit.quota_max > 0;

/**
 * The session with `quota_remaining` and `quota_renews` (and those of per-API
 * limits) read from the key's limiter. When the limiter cannot be reached, the
 * stored values are shown and the failure is logged.
 */
export async function withLiveQuota(limits: Limits, storageId: string, session: Session): Promise<Session> {
  const perApi = Object.values(session.access_rights).some(hasPerApiQuota);
  if (session.quota_max <= 0 && !perApi) return session;
  let readings: Map<string, QuotaReading>;
  try {
    readings = new Map((await limits.client.quotas(await limits.keyLimiterName(storageId))).map((reading) => [reading.id, reading]));
  } catch (error) {
    isolateLogger.error("rate limiter unavailable; showing stored quota values", { key_hash: storageId, error });
    return session;
  }
  const result: Session = session.quota_max > 0 ? { ...session, ...live(session.quota_max, readings.get("q:"), session.quota_renews) } : { ...session };
  if (!perApi) return result;
  const withLive = (apiId: string, access: AccessDefinition): AccessDefinition => {
    if (!hasPerApiQuota(access)) return access;
    const reading = readings.get(`q:${scopeOf(access, apiId)}`);
    return { ...access, limit: { ...access.limit, ...live(access.limit.quota_max, reading, access.limit.quota_renews) } };
  };
  // Rebuilt from entries (own properties), never assigned by API id: `__proto__` is an API id like any other.
  result.access_rights = Object.fromEntries(Object.entries(session.access_rights).map(([apiId, access]) => [apiId, withLive(apiId, access)]));
  return result;
}

/** Starts every quota of the key afresh (a key write without `suppress_reset`). Throws when the limiter cannot be reached. */
export async function resetKeyQuotas(limits: Limits, storageId: string): Promise<void> {
  await limits.client.resetQuotas(await limits.keyLimiterName(storageId));
}

/** Drops every counter of a deleted key. A failure is logged: the key is gone, and its counters expire on their own. */
export async function dropKeyCounters(limits: Limits, storageId: string): Promise<void> {
  try {
    await limits.client.drop(await limits.keyLimiterName(storageId));
  } catch (error) {
    isolateLogger.error("rate limiter unavailable; counters of the deleted key were not dropped", { key_hash: storageId, error });
  }
}
