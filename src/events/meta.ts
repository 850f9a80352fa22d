import { base64FromText } from "../lib/encoding";
import { messages, TykError } from "../lib/tyk-error";
import type { BreakerMeta, HostStatusMeta, KeyFailureMeta, VersionFailureMeta } from "./names";

/** What a request-time event reads from the request; RequestContext has these. */
export interface EventSource {
  readonly request: Request;
  readonly url: URL;
  readonly clientIp: string;
  /** The credential the caller presented, when the auth step read one. */
  readonly authToken: string | undefined;
}

/** Tyk logs and sends keys as their last four characters (obfuscateKey, key logging off). */
export function obfuscateKey(key: string | undefined): string {
  if (!key) return "";
  return key.length > 4 ? `****${key.slice(-4)}` : "--";
}

/** The request line and headers in HTTP/1.1 wire form, base64 (Tyk's EncodeRequestToEvent, without the body). */
function originatingRequest(request: Request, url: URL): string {
  let wire = `${request.method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  for (const [name, value] of request.headers) if (name !== "host") wire += `${name}: ${value}\r\n`;
  return base64FromText(`${wire}\r\n`);
}

export function keyFailureMeta(source: EventSource, message: string, key = source.authToken): KeyFailureMeta {
  return {
    Message: message,
    OriginatingRequest: originatingRequest(source.request, source.url),
    Path: source.url.pathname,
    Origin: source.clientIp,
    Key: obfuscateKey(key),
  };
}

export function versionFailureMeta(source: EventSource, reason: string): VersionFailureMeta {
  return { ...keyFailureMeta(source, "Attempted access to disallowed version / path."), Reason: reason };
}

/** Circuit breaker events carry no request (a trip is the breaker's, not one caller's). */
export function breakerMeta(apiId: string, path: string, tripped: boolean): BreakerMeta {
  return {
    Message: tripped ? "Breaker tripped" : "Breaker reset",
    OriginatingRequest: "",
    Path: path,
    APIID: apiId,
    CircuitEvent: tripped ? 0 : 1,
  };
}

/** The event a limit refusal raises, with Tyk's message: the key's rate limit or quota, or the API's own rate limit. */
export function limitEvent(source: EventSource, quota: boolean, byApi: boolean): ["QuotaExceeded" | "RatelimitExceeded", KeyFailureMeta] {
  if (quota) return ["QuotaExceeded", keyFailureMeta(source, "Key Quota Limit Exceeded")];
  return ["RatelimitExceeded", keyFailureMeta(source, byApi ? "API Rate Limit Exceeded" : "Key Rate Limit Exceeded")];
}

/** A refusal of the credential presented (401/403 from authentication); a missing credential raises nothing, as in Tyk. */
export function isCredentialRefusal(error: unknown): error is TykError {
  return error instanceof TykError && (error.status === 401 || error.status === 403) && error.message !== messages.authFieldMissing;
}

export function authFailureMeta(source: EventSource, refusal: string): KeyFailureMeta {
  return keyFailureMeta(
    source,
    refusal === messages.keyNotFound ? "Attempted access with non-existent key." : `Attempted access with invalid credentials: ${refusal}`,
  );
}

/** HostDown / HostUp from an uptime check (Tyk's EventHostStatusMeta); there is no request behind it. */
export function hostStatusMeta(
  down: boolean,
  check: { url: string; method: string },
  result: { responseCode: number; latencyMs: number; tcpError: boolean },
): HostStatusMeta {
  return {
    Message: down ? "Uptime test failed" : "Uptime test succeeded",
    OriginatingRequest: "",
    HostInfo: {
      CheckRequest: { CheckURL: check.url, Method: check.method },
      ResponseCode: result.responseCode,
      Latency: result.latencyMs,
      IsTCPError: result.tcpError,
    },
  };
}
