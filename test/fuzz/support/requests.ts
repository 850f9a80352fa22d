import fc from "fast-check";
import { headerValue, hostileText, token } from "./strings";

/*
 * Requests as clients send them: any method, a path below the API's listen
 * path with raw or encoded hostile segments, a query, headers (hop-by-hop,
 * client-IP, content types, versions, CORS) and a body. Only requests the
 * Fetch API can build are generated, as only those reach a Worker.
 */

export interface RequestCase {
  method: string;
  /** The part after the listen path, as written on the request line. */
  suffix: string;
  headers: [string, string][];
  body: string | null;
}

const methods = fc.oneof(
  { arbitrary: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"), weight: 6 },
  { arbitrary: fc.constantFrom("get", "Post", "PROPFIND", "PURGE", "M-SEARCH", "TRACE", "CONNECT"), weight: 1 },
  { arbitrary: token(12), weight: 1 },
);

/** A path segment as a client writes it: raw (the URL parser normalises it) or percent-encoded. */
const segment = fc.oneof(
  { arbitrary: fc.stringMatching(/^[a-z0-9._~-]{0,12}$/), weight: 4 },
  { arbitrary: fc.constantFrom("..", ".", "%2e%2e", "%2F", "%00", "%", "%zz", "%c0%ae", ";a=b", "", "~", "{id}", "*"), weight: 2 },
  { arbitrary: hostileText.map((text) => encodeURIComponent(text.replace(/[\ud800-\udfff]/g, "?"))), weight: 2 },
  { arbitrary: hostileText, weight: 1 },
);

const query = fc.oneof(
  { arbitrary: fc.constant(""), weight: 3 },
  {
    arbitrary: fc.array(fc.tuple(fc.oneof(hostileText, fc.constantFrom("version", "v", "authorization", "key", "api_key")), hostileText), { maxLength: 3 }),
    weight: 2,
  },
);

const contentTypes = fc.constantFrom(
  "application/json",
  "application/json; charset=utf-8",
  "application/xml",
  "text/xml",
  "application/soap+xml",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "text/plain",
  "",
  ";;;",
);

/** Header names the gateway reads, or that a proxy must treat with care. */
const knownHeaderNames = [
  "content-type",
  "cookie",
  "connection",
  "keep-alive",
  "te",
  "trailer",
  "upgrade",
  "proxy-authorization",
  "x-forwarded-for",
  "x-real-ip",
  "cf-connecting-ip",
  "x-forwarded-host",
  "x-forwarded-proto",
  "forwarded",
  "host",
  "x-tyk-authorization",
  "x-api-version",
  "version",
  "origin",
  "access-control-request-method",
  "access-control-request-headers",
  "date",
  "x-aux-date",
  "accept",
  "accept-encoding",
  "range",
  "if-none-match",
] as const;

const headerPair: fc.Arbitrary<[string, string]> = fc.oneof(
  { arbitrary: fc.tuple(fc.constantFrom(...knownHeaderNames), headerValue), weight: 4 },
  { arbitrary: fc.tuple(fc.constant("content-type"), contentTypes), weight: 2 },
  { arbitrary: fc.tuple(fc.constant("connection"), fc.constantFrom("close", "keep-alive, x-secret", "upgrade, te, x-forwarded-for")), weight: 1 },
  { arbitrary: fc.tuple(token(16), headerValue), weight: 2 },
);

const body = fc.oneof(
  { arbitrary: fc.constant(null), weight: 2 },
  { arbitrary: hostileText, weight: 2 },
  { arbitrary: fc.json({ maxDepth: 3 }), weight: 2 },
  { arbitrary: fc.constantFrom("<User>alice</User><Password>wonderland</Password>", "{", "[]", "<a><b></a>"), weight: 1 },
);

function queryString(pairs: string | [string, string][]): string {
  if (typeof pairs === "string" || pairs.length === 0) return "";
  return `?${pairs.map(([name, value]) => `${encodeURIComponent(name.replace(/[\ud800-\udfff]/g, "?"))}=${encodeURIComponent(value.replace(/[\ud800-\udfff]/g, "?"))}`).join("&")}`;
}

/** Node's HTTP parser (the echo upstream) answers 431 itself beyond 16 KB of request head; non-ASCII goes upstream as UTF-8. */
const headLimit = 6_000;

/** Whether the Fetch API can build the request (a Worker never sees one it cannot) and the upstream can read it. */
export function buildable(origin: string, listenPath: string, request: RequestCase): boolean {
  try {
    const built = new Request(`${origin}${listenPath}${request.suffix}`, { method: request.method, headers: request.headers, body: request.body });
    const headSize = built.url.length + request.headers.reduce((sum, [name, value]) => sum + name.length + value.length, 0);
    return headSize <= headLimit;
  } catch {
    return false;
  }
}

/** Requests below `listenPath` (no trailing slash): the suffix starts with "/", "?" or nothing. */
export function requestCases(origin: string, listenPath: string): fc.Arbitrary<RequestCase> {
  return fc
    .record({
      method: methods,
      segments: fc.array(segment, { maxLength: 4 }),
      query,
      headers: fc.array(headerPair, { maxLength: 5 }),
      body,
    })
    .map(({ method, segments, query: pairs, headers, body: payload }) => ({
      method,
      suffix: `${segments.length > 0 ? `/${segments.join("/")}` : ""}${queryString(pairs)}`,
      headers,
      body: method.toUpperCase() === "GET" || method.toUpperCase() === "HEAD" ? null : payload,
    }))
    .filter((request) => buildable(origin, listenPath, request));
}
