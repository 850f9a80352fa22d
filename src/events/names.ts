/*
 * Tyk's event names (gateway/event_system.go) and the meta data each carries,
 * with Tyk's field names: webhook templates read them as `{{.Meta.Key}}`.
 * Note Tyk's spelling of the rate limit event: "RatelimitExceeded".
 */

export const eventNames = [
  "AuthFailure",
  "KeyExpired",
  "RatelimitExceeded",
  "QuotaExceeded",
  "VersionFailure",
  "BreakerTriggered",
  "BreakerTripped",
  "BreakerReset",
  "HostDown",
  "HostUp",
] as const;

export type EventName = (typeof eventNames)[number];

/** Every event's meta data starts with these (Tyk's EventMetaDefault). */
export interface EventMetaDefault {
  Message: string;
  /** Base64 of the request line and headers as they arrived (Tyk adds the body; see docs/events.md). */
  OriginatingRequest: string;
}

/** AuthFailure, KeyExpired, RatelimitExceeded, QuotaExceeded (Tyk's EventKeyFailureMeta). */
export interface KeyFailureMeta extends EventMetaDefault {
  Path: string;
  Origin: string;
  /** The key, obfuscated as Tyk logs it. */
  Key: string;
}

/** VersionFailure (Tyk's EventVersionFailureMeta). */
export interface VersionFailureMeta extends KeyFailureMeta {
  Reason: string;
}

/** BreakerTriggered / BreakerTripped / BreakerReset (Tyk's EventCurcuitBreakerMeta); CircuitEvent 0 = tripped, 1 = reset. */
export interface BreakerMeta extends EventMetaDefault {
  Path: string;
  APIID: string;
  CircuitEvent: 0 | 1;
}

/** HostDown / HostUp (Tyk's EventHostStatusMeta with its HostHealthReport). */
export interface HostStatusMeta extends EventMetaDefault {
  HostInfo: { CheckRequest: { CheckURL: string; Method: string }; ResponseCode: number; Latency: number; IsTCPError: boolean };
}

export type EventMeta = KeyFailureMeta | VersionFailureMeta | BreakerMeta | HostStatusMeta;
