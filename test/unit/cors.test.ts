import { describe, expect, it } from "vitest";
import { cors } from "../../src/features/cors";
import {
  canonicalHeaderKey,
  compileCorsPolicy,
  corsConfig,
  decideActualRequest,
  decidePreflight,
  isPreflight,
  methodAllowed,
  originAllowed,
  requestHeadersAllowed,
} from "../../src/features/cors-policy";

/* The CORS decisions of rs/cors v1.11.1 (the version Tyk pins), as pure functions. */

const policyOf = (config: Record<string, unknown> = {}) => compileCorsPolicy(corsConfig.parse({ enable: true, ...config }));

const preflightHeaders = (origin: string | null, method: string, requested?: string) => {
  const headers = new Headers({ "access-control-request-method": method });
  if (origin !== null) headers.set("origin", origin);
  if (requested !== undefined) headers.set("access-control-request-headers", requested);
  return headers;
};

describe("CORS configuration", () => {
  it("takes rs/cors defaults: every origin, GET/POST/HEAD, accept/content-type/x-requested-with, no max age", () => {
    const policy = policyOf();
    expect(policy.anyOrigin).toBe(true);
    expect([...policy.methods]).toEqual(["GET", "POST", "HEAD"]);
    expect([...policy.headerRanks.keys()]).toEqual(["accept", "content-type", "x-requested-with"]);
    expect(policy.maxAge).toBeUndefined();
    expect(policy.exposedHeaders).toBeUndefined();
  });

  it("reads Tyk's null lists as empty", () => {
    const policy = policyOf({ allowed_origins: null, allowed_methods: null, allowed_headers: null, exposed_headers: null });
    expect(policy.anyOrigin).toBe(true);
    expect(policy.methods.has("GET")).toBe(true);
  });

  it("sends max_age when positive, 0 when negative, nothing when 0", () => {
    expect(policyOf({ max_age: 600 }).maxAge).toBe("600");
    expect(policyOf({ max_age: -1 }).maxAge).toBe("0");
    expect(policyOf({ max_age: 0 }).maxAge).toBeUndefined();
  });

  it("writes exposed headers in Go's canonical form, joined with a comma", () => {
    expect(policyOf({ exposed_headers: ["x-request-id", "ETAG", "x rate"] }).exposedHeaders).toBe("X-Request-Id, Etag, x rate");
    expect(canonicalHeaderKey("x--a-1b")).toBe("X--A-1b");
  });

  it("refuses bad field types and unwritable exposed headers, naming the field", () => {
    const pathsOf = (value: Record<string, unknown>) => cors.validate({ CORS: value }).map((issue) => issue.path.join("."));
    expect(pathsOf({ max_age: "600" })).toEqual(["CORS.max_age"]);
    expect(pathsOf({ max_age: 1.5 })).toEqual(["CORS.max_age"]);
    expect(pathsOf({ allowed_origins: "*" })).toEqual(["CORS.allowed_origins"]);
    expect(pathsOf({ exposed_headers: ["X-Ok", "X-Bad\r\nSet-Cookie: a=b"] })).toEqual(["CORS.exposed_headers.1"]);
    expect(pathsOf({ enable: "yes" })).toEqual(["CORS.enable"]);
    expect(cors.validate({ CORS: null })).toEqual([]);
    expect(cors.validate({})).toEqual([]);
  });
});

describe("CORS origins", () => {
  it("allows listed origins case-insensitively and nothing else", () => {
    const policy = policyOf({ allowed_origins: ["https://App.example.com"] });
    expect(originAllowed(policy, "https://app.example.com")).toBe(true);
    expect(originAllowed(policy, "HTTPS://APP.EXAMPLE.COM")).toBe(true);
    expect(originAllowed(policy, "https://app.example.com:8443")).toBe(false);
    expect(originAllowed(policy, "http://app.example.com")).toBe(false);
  });

  it("matches a wildcard against zero or more characters at its place", () => {
    const policy = policyOf({ allowed_origins: ["https://*.example.com"] });
    expect(originAllowed(policy, "https://api.example.com")).toBe(true);
    expect(originAllowed(policy, "https://a.b.example.com")).toBe(true);
    expect(originAllowed(policy, "https://.example.com")).toBe(true);
    expect(originAllowed(policy, "https://example.com")).toBe(false);
    expect(originAllowed(policy, "http://api.example.com")).toBe(false);
    expect(originAllowed(policy, "https://api.example.com.evil.net")).toBe(false);
  });

  it("treats only the first * of an origin as a wildcard", () => {
    const policy = policyOf({ allowed_origins: ["https://*.example.*"] });
    expect(originAllowed(policy, "https://a.example.*")).toBe(true);
    expect(originAllowed(policy, "https://a.example.com")).toBe(false);
  });

  it("allows every origin when * is anywhere in the list", () => {
    const policy = policyOf({ allowed_origins: ["https://one.test", "*"] });
    expect(policy.anyOrigin).toBe(true);
    expect(originAllowed(policy, "https://other.test")).toBe(true);
  });
});

describe("CORS methods", () => {
  it("compares methods as written and always accepts OPTIONS", () => {
    const policy = policyOf({ allowed_methods: ["GET", "put"] });
    expect(methodAllowed(policy, "GET")).toBe(true);
    expect(methodAllowed(policy, "put")).toBe(true);
    expect(methodAllowed(policy, "PUT")).toBe(false);
    expect(methodAllowed(policy, "POST")).toBe(false);
    expect(methodAllowed(policy, "OPTIONS")).toBe(true);
  });
});

describe("CORS request headers", () => {
  const policy = policyOf({ allowed_headers: ["Content-Type", "X-Custom", "Authorization"] });

  it("accepts allowed names, lower-case, unique and sorted, with one optional space around each", () => {
    expect(requestHeadersAllowed(policy, "content-type")).toBe(true);
    expect(requestHeadersAllowed(policy, "authorization,content-type,x-custom")).toBe(true);
    expect(requestHeadersAllowed(policy, "authorization, content-type ,x-custom")).toBe(true);
    expect(requestHeadersAllowed(policy, "")).toBe(true);
    expect(requestHeadersAllowed(policy, "content-type,,")).toBe(true);
  });

  it("refuses names not allowed, upper-case names, unsorted or repeated names, and extra whitespace", () => {
    expect(requestHeadersAllowed(policy, "x-other")).toBe(false);
    expect(requestHeadersAllowed(policy, "content-type,x-other")).toBe(false);
    expect(requestHeadersAllowed(policy, "Content-Type")).toBe(false);
    expect(requestHeadersAllowed(policy, "x-custom,content-type")).toBe(false);
    expect(requestHeadersAllowed(policy, "content-type,content-type")).toBe(false);
    expect(requestHeadersAllowed(policy, "authorization,  content-type")).toBe(false);
    expect(requestHeadersAllowed(policy, ",".repeat(17))).toBe(false);
  });

  it("accepts any names when * is allowed", () => {
    expect(requestHeadersAllowed(policyOf({ allowed_headers: ["*"] }), "X-Anything, b, a")).toBe(true);
  });
});

describe("CORS preflight decision", () => {
  const policy = policyOf({
    allowed_origins: ["https://app.test"],
    allowed_methods: ["GET", "PUT"],
    allowed_headers: ["X-Custom"],
    allow_credentials: true,
    max_age: 30,
  });
  const vary = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

  it("tells a preflight by OPTIONS with Access-Control-Request-Method", () => {
    expect(isPreflight("OPTIONS", preflightHeaders("https://app.test", "PUT"))).toBe(true);
    expect(isPreflight("OPTIONS", new Headers({ origin: "https://app.test" }))).toBe(false);
    expect(isPreflight("GET", preflightHeaders("https://app.test", "PUT"))).toBe(false);
  });

  it("echoes the origin, requested method and requested headers, with credentials and max age", () => {
    expect(decidePreflight(policy, preflightHeaders("https://app.test", "PUT", "x-custom")).headers).toEqual({
      Vary: vary,
      "Access-Control-Allow-Origin": "https://app.test",
      "Access-Control-Allow-Methods": "PUT",
      "Access-Control-Allow-Headers": "x-custom",
      "Access-Control-Allow-Credentials": "true",
      "Access-Control-Max-Age": "30",
    });
  });

  it("grants nothing but Vary to a missing or disallowed origin, method or header", () => {
    for (const request of [
      preflightHeaders(null, "PUT"),
      preflightHeaders("https://evil.test", "PUT"),
      preflightHeaders("https://app.test", "DELETE"),
      preflightHeaders("https://app.test", "PUT", "x-other"),
    ]) {
      expect(decidePreflight(policy, request).headers).toEqual({ Vary: vary });
    }
  });

  it("answers * for any origin, even with credentials", () => {
    const open = policyOf({ allow_credentials: true });
    expect(decidePreflight(open, preflightHeaders("https://any.test", "POST")).headers).toMatchObject({
      "Access-Control-Allow-Origin": "*",
      "Access-Control-Allow-Credentials": "true",
    });
  });
});

describe("CORS actual request decision", () => {
  const policy = policyOf({ allowed_origins: ["https://*.app.test"], exposed_headers: ["x-trace"], allow_credentials: true });

  it("adds origin, exposed headers and credentials for an allowed origin and method", () => {
    expect(decideActualRequest(policy, "POST", new Headers({ origin: "https://eu.app.test" })).headers).toEqual({
      Vary: "Origin",
      "Access-Control-Allow-Origin": "https://eu.app.test",
      "Access-Control-Expose-Headers": "X-Trace",
      "Access-Control-Allow-Credentials": "true",
    });
  });

  it("adds only Vary without an origin, for another origin, or for a method not allowed", () => {
    expect(decideActualRequest(policy, "GET", new Headers()).headers).toEqual({ Vary: "Origin" });
    expect(decideActualRequest(policy, "GET", new Headers({ origin: "https://evil.test" })).headers).toEqual({ Vary: "Origin" });
    expect(decideActualRequest(policy, "DELETE", new Headers({ origin: "https://eu.app.test" })).headers).toEqual({ Vary: "Origin" });
  });
});
