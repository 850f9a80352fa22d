import { messages } from "../../../src/lib/tyk-error";
import type { Answer, ProxyExpectations } from "./verdicts";

/*
 * The 5xx answers and own answers a fuzzed definition sets up, read from the
 * definition itself. Anything else the gateway answers 5xx to is a finding.
 */

type Json = unknown;

function* entries(value: Json, key = ""): Generator<[string, Json]> {
  yield [key, value];
  if (Array.isArray(value)) for (const item of value) yield* entries(item, key);
  else if (typeof value === "object" && value !== null) for (const [name, item] of Object.entries(value)) yield* entries(item, name);
}

function has(definition: Json, test: (key: string, value: Json) => boolean): boolean {
  for (const [key, value] of entries(definition)) if (test(key, value)) return true;
  return false;
}

const nonEmpty = (value: Json) =>
  Array.isArray(value) ? value.length > 0 : typeof value === "object" ? value !== null : value !== undefined && value !== false;

/** Features that change what goes upstream or how long it may take: the upstream may then fail, time out, or be cut off. */
const shapingKeys = new Set([
  "url_rewrites",
  "hard_timeouts",
  "global_enforce_timeout",
  "circuit_breakers",
  "service_discovery",
  "target_list",
  "override_target",
  "method_transforms",
  "transform_headers",
  "global_headers",
]);

const upstreamFailures: readonly string[] = [messages.proxyFailed, messages.upstreamTimeout, messages.upstreamLookupFailed, messages.breakerOpen];

/** What may come back from an API served from `definition`, given the warnings its POST answered with. */
export function servedExpectations(definition: Json, warnings: readonly { security?: boolean }[], method: string): ProxyExpectations {
  const declared = new Set<number>();
  for (const [key, value] of entries(definition)) if ((key === "code" || key === "error_response_code") && typeof value === "number") declared.add(value);
  const mocks = has(definition, (key, value) => key === "method_actions" && nonEmpty(value));
  if (mocks) declared.add(200);
  const cors = has(
    definition,
    (key, value) => key === "CORS" && typeof value === "object" && value !== null && (value as Record<string, Json>)["enable"] === true,
  );
  const shaping = has(definition, (key, value) => shapingKeys.has(key) && nonEmpty(value));
  const notServed = warnings.some((warning) => warning.security === true);
  const looping = JSON.stringify(definition).includes("tyk://");
  const upper = method.toUpperCase();
  return {
    head: upper === "HEAD",
    allowed5xx: (status, message) =>
      declared.has(status) ||
      // Without a message (a HEAD answer) any 5xx the definition sets up may be this one.
      (notServed && (message?.startsWith("This API is not served") ?? true)) ||
      (looping && (message ?? messages.loopingNotSupported) === messages.loopingNotSupported) ||
      (shaping && upstreamFailures.includes(message ?? messages.proxyFailed)),
    ownAnswer: (answer: Answer) => declared.has(answer.status) || (cors && upper === "OPTIONS" && answer.status < 300),
  };
}
