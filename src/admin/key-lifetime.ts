import type { KeySettings } from "../session/key-settings";
import type { Session } from "../session/schema";
import { maxStoreTtlSeconds } from "./limits";

/*
 * How long a stored key lives (Tyk's ApplyLifetime / SessionState.Lifetime):
 * `force_global_session_lifetime` makes `global_session_lifetime` win; else the
 * key's own `session_lifetime`, else the largest `session_lifetime` of the APIs
 * it grants, where `session_lifetime_respects_key_expiration` stretches the
 * lifetime to the key's `expires` (a key that never expires is then kept
 * forever). The
 * result is the store TTL: the key disappears then (403 afterwards), unlike
 * `expires`, which keeps it stored but refused (401).
 */

export interface ApiLifetime {
  sessionLifetime: number;
  respectsKeyExpiration: boolean;
}

function stretchToExpiry(respect: boolean, expires: number, lifetime: number, nowSeconds: number): number {
  if (!respect || lifetime <= 0) return lifetime;
  if (expires <= 0) return expires;
  return expires > nowSeconds + lifetime ? expires - nowSeconds : lifetime;
}

function lifetimeFor(session: Session, api: ApiLifetime, nowSeconds: number): number {
  const lifetime = session.session_lifetime > 0 ? session.session_lifetime : api.sessionLifetime;
  return lifetime > 0 ? stretchToExpiry(api.respectsKeyExpiration, session.expires, lifetime, nowSeconds) : 0;
}

/** A lifetime past what the store can express (about 68 years on Workers KV) is as good as none. */
function withinStore(lifetime: number): number | undefined {
  return lifetime > 0 && lifetime <= maxStoreTtlSeconds ? lifetime : undefined;
}

/**
 * Seconds the store keeps the key, or undefined for no limit. Tyk only
 * consults the global lifetime through an API the key grants, so a key with
 * no access rights never gets it; here the forced global lifetime applies to
 * every key.
 */
export function storeTtlSeconds(
  session: Session,
  apis: ApiLifetime[],
  settings: Pick<KeySettings, "globalSessionLifetime" | "forceGlobalSessionLifetime">,
  nowSeconds = Math.floor(Date.now() / 1000),
): number | undefined {
  if (settings.forceGlobalSessionLifetime) return withinStore(settings.globalSessionLifetime);
  const candidates = apis.length > 0 ? apis : [{ sessionLifetime: 0, respectsKeyExpiration: false }];
  let longest = 0;
  for (const api of candidates) {
    const lifetime = lifetimeFor(session, api, nowSeconds);
    if (lifetime === -1) return undefined;
    longest = Math.max(longest, lifetime);
  }
  return withinStore(longest);
}
