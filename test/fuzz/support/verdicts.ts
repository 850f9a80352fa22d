import { messages } from "../../../src/lib/tyk-error";
import { causeOf, withLoggedErrors } from "./logs";
import type { Finding } from "./report";

/*
 * What every answer must look like. A "crash" is an error nothing handled
 * (the request rejected, or the catch-all answers of src/app.ts and
 * src/admin/index.ts); a "5xx" is any other server error the gateway made
 * itself that the test did not set up; a "shape" finding is an answer that is
 * neither Tyk's error document nor the Gateway API's JSON.
 */

/**
 * A request taking longer than this stalled the isolate (tests and the Worker
 * share it). Generous, as CI machines run many test files at once: this
 * catches hangs; patterns.test.ts measures backtracking against a control.
 */
export const slowMs = 5_000;

const adminCatchAll = "The Gateway API could not complete the request; see the gateway logs";

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  ms: number;
  /** What the gateway logged as unhandled while answering ("TypeError: … at src/…:12"), or "". */
  cause: string;
}

export type Outcome = Answer | { error: unknown; ms: number; cause: string };

/** Sends the request and reads the whole answer; a rejection (the Worker threw past every handler) is returned as the error. */
export async function answerOf(send: () => Promise<Response>): Promise<Outcome> {
  const started = Date.now();
  const { value, logged } = await withLoggedErrors(async () => {
    try {
      const response = await send();
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, ms: Date.now() - started };
    } catch (error) {
      return { error, ms: Date.now() - started };
    }
  });
  return { ...value, cause: causeOf(logged) };
}

const clip = (text: string, length = 160) => (text.length > length ? `${text.slice(0, length)}…` : text);

function rejected(answer: { error: unknown; cause: string }, label: string): Finding {
  const message = answer.error instanceof Error ? `${answer.error.name}: ${answer.error.message}` : String(answer.error);
  return { kind: "crash", signature: `crash: ${label} rejected with ${clip(message, 100)}`, detail: `${message} ${answer.cause}` };
}

/** A crash is told apart by what was thrown and where, not by the request that found it. */
function crash(answer: Answer, label: string): Finding {
  const detail = `${answer.status} ${clip(answer.text, 200)} (${label})`;
  return { kind: "crash", signature: `crash: ${answer.cause || `${label} answered ${answer.status} (nothing logged)`}`, detail };
}

function slow(answer: Answer, label: string): Finding | null {
  if (answer.ms <= slowMs) return null;
  return { kind: "slow", signature: `slow: ${label} took over ${slowMs} ms`, detail: `${answer.ms} ms, answered ${answer.status}` };
}

function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The Gateway API's answer: 2xx or 4xx, JSON, `{status:"error",message}` for errors. */
export function adminVerdict(answer: Outcome, label: string): Finding | null {
  if ("error" in answer) return rejected(answer, label);
  const body = jsonOf(answer.text);
  const message = isObject(body) && typeof body["message"] === "string" ? body["message"] : clip(answer.text);
  const detail = `${answer.status} ${clip(answer.text, 300)}`;
  if (answer.status >= 500) {
    if (message === adminCatchAll) return crash(answer, label);
    return { kind: "5xx", signature: `5xx: ${label} answered ${answer.status} ${clip(message, 100)}`, detail };
  }
  const late = slow(answer, label);
  if (late) return late;
  const json = answer.headers.get("content-type")?.startsWith("application/json") ?? false;
  const errorShape = isObject(body) && body["status"] === "error" && typeof body["message"] === "string";
  if (!json || body === undefined || (answer.status >= 400 && !errorShape) || answer.status >= 300 !== answer.status >= 400) {
    return { kind: "shape", signature: `shape: ${label} answered ${answer.status} outside the Gateway API's JSON shapes`, detail };
  }
  return null;
}

/** Tyk's error document: `{"error": "..."}`, or `<error>` for a request with an XML body; null when the body is neither. */
export function tykErrorMessage(answer: Answer): string | null {
  const xml = /^<error>([\s\S]*)<\/error>$/.exec(answer.text);
  if (xml) return xml[1] ?? "";
  const body = jsonOf(answer.text);
  return isObject(body) && Object.keys(body).length === 1 && typeof body["error"] === "string" ? body["error"] : null;
}

export interface ProxyExpectations {
  /**
   * The 5xx answers the test set up (e.g. "This API is not served…" for a refused definition);
   * `message` is null when the answer has no body to read it from (HEAD).
   */
  allowed5xx?: (status: number, message: string | null) => boolean;
  /** Answers the gateway may make itself besides errors (mock replies, CORS preflights). */
  ownAnswer?: (answer: Answer) => boolean;
  /** The request's method was HEAD: answers have no body to check. */
  head?: boolean;
}

/** An upstream echo carries this header; anything else the gateway answered itself. */
export const fromUpstream = (answer: Answer) => answer.headers.get("x-upstream") !== null;

/** A proxied request's answer: the upstream's, Tyk's error document, Tyk's plain 404, or an answer the setup allows. */
export function proxyVerdict(answer: Outcome, label: string, expect: ProxyExpectations = {}): Finding | null {
  if ("error" in answer) return rejected(answer, label);
  if (fromUpstream(answer)) return slow(answer, label);
  const message = expect.head ? null : tykErrorMessage(answer);
  const detail = `${answer.status} ${clip(answer.text, 300)}`;
  if (answer.status >= 500) {
    // A HEAD answer has no body to read the message from; the logged cause tells a crash then.
    if (message === messages.internal || (message === null && answer.cause)) return crash(answer, label);
    // A mock reply the definition asked for may carry any status and body.
    if (message === null && expect.ownAnswer?.(answer)) return slow(answer, label);
    if ((message === null && !expect.head) || !expect.allowed5xx?.(answer.status, message)) {
      return { kind: "5xx", signature: `5xx: ${label} answered ${answer.status} ${clip(message ?? answer.text, 100)}`, detail };
    }
    return slow(answer, label);
  }
  const late = slow(answer, label);
  if (late) return late;
  const routeMiss = answer.status === 404 && (expect.head || answer.text === "Not Found");
  if (routeMiss || (answer.status >= 400 && (message !== null || expect.head)) || expect.ownAnswer?.(answer)) return null;
  return { kind: "shape", signature: `shape: ${label} answered ${answer.status} that is neither the upstream's nor Tyk's error document`, detail };
}
