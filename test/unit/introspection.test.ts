import { describe, expect, it } from "vitest";
import { compileExternalOAuth, externalOAuthSchema } from "../../src/auth/external-oauth";
import { defaultAuthConfig } from "../../src/auth/credentials";
import { IntrospectionError, Introspector, type IntrospectionSettings } from "../../src/auth/introspection";

/** A fake endpoint: records each call's form and answers what `answer` returns. */
function endpoint(answer: (form: URLSearchParams) => Response | Promise<Response>) {
  const calls: URLSearchParams[] = [];
  const fetcher = (async (_input: RequestInfo | URL, init?: RequestInit) => {
    const form = new URLSearchParams(String(init?.body));
    calls.push(form);
    return answer(form);
  }) as typeof fetch;
  return { calls, fetcher };
}

const settings = (cacheSeconds: number | null): IntrospectionSettings => ({
  url: "https://idp.test/introspect",
  clientId: "gw",
  clientSecret: "s",
  cacheSeconds,
});
const options = { timeoutMs: 1_000, maxBytes: 1_024, maxCachedBytes: 100, maxEntries: 2 };

describe("Introspector", () => {
  it("posts token, client_id and client_secret as a form", async () => {
    const { calls, fetcher } = endpoint(() => Response.json({ active: true }));
    await new Introspector(options, fetcher).introspect(settings(null), "tok");
    expect(Object.fromEntries(calls[0]!)).toEqual({ token: "tok", client_id: "gw", client_secret: "s" });
  });

  it("shares one call between concurrent requests for one token", async () => {
    const { calls, fetcher } = endpoint(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return Response.json({ active: true });
    });
    const introspector = new Introspector(options, fetcher);
    const answers = await Promise.all(Array.from({ length: 10 }, () => introspector.introspect(settings(null), "tok")));
    expect(calls).toHaveLength(1);
    expect(answers.every((answer) => answer.claims["active"] === true)).toBe(true);
  });

  it("remembers answers only with the cache on, and forgets the least recently used beyond its bound", async () => {
    const { calls, fetcher } = endpoint(() => Response.json({ active: true }));
    const introspector = new Introspector(options, fetcher);
    await introspector.introspect(settings(null), "a");
    expect((await introspector.introspect(settings(null), "a")).cached).toBe(false);
    expect(calls).toHaveLength(2);
    await introspector.introspect(settings(60), "a");
    expect((await introspector.introspect(settings(60), "a")).cached).toBe(true);
    await introspector.introspect(settings(60), "b");
    await introspector.introspect(settings(60), "c");
    expect((await introspector.introspect(settings(60), "a")).cached).toBe(false);
  });

  it("uses but does not remember an answer larger than maxCachedBytes", async () => {
    const { calls, fetcher } = endpoint(() => Response.json({ active: true, sub: "x".repeat(200) }));
    const introspector = new Introspector(options, fetcher);
    expect((await introspector.introspect(settings(60), "tok")).claims["active"]).toBe(true);
    expect((await introspector.introspect(settings(60), "tok")).cached).toBe(false);
    expect(calls).toHaveLength(2);
  });

  it("keys answers by endpoint and client as well as token", async () => {
    const { calls, fetcher } = endpoint(() => Response.json({ active: true }));
    const introspector = new Introspector(options, fetcher);
    await introspector.introspect(settings(60), "tok");
    await introspector.introspect({ ...settings(60), clientId: "other" }, "tok");
    await introspector.introspect({ ...settings(60), url: "https://other.test/introspect" }, "tok");
    expect(calls).toHaveLength(3);
  });

  it("fails on a status other than 200, a body that is not a JSON object, or one beyond the size bound", async () => {
    const cases: Response[] = [
      Response.json({ active: true }, { status: 503 }),
      new Response("not json"),
      Response.json([{ active: true }]),
      new Response(JSON.stringify({ active: true, padding: "x".repeat(2_000) })),
    ];
    for (const response of cases) {
      const introspector = new Introspector(options, endpoint(() => response).fetcher);
      await expect(introspector.introspect(settings(60), "tok")).rejects.toBeInstanceOf(IntrospectionError);
    }
  });

  it("does not remember a failure", async () => {
    let fail = true;
    const { calls, fetcher } = endpoint(() => (fail ? new Response("", { status: 500 }) : Response.json({ active: true })));
    const introspector = new Introspector(options, fetcher);
    await expect(introspector.introspect(settings(60), "tok")).rejects.toBeInstanceOf(IntrospectionError);
    fail = false;
    expect((await introspector.introspect(settings(60), "tok")).claims).toEqual({ active: true });
    expect(calls).toHaveLength(2);
  });
});

describe("compileExternalOAuth", () => {
  it("uses only the first provider, JWT before introspection", () => {
    const fields = externalOAuthSchema.parse({
      enabled: true,
      providers: [
        { jwt: { enabled: true, signing_method: "rsa", source: "https://idp.test/jwks" }, introspection: { enabled: true, url: "https://idp.test/i" } },
        { introspection: { enabled: true } },
      ],
    });
    const compiled = compileExternalOAuth(fields, defaultAuthConfig);
    expect(compiled.provider).toMatchObject({ kind: "jwt", jwt: { family: "rsa", source: { kind: "jwks", url: "https://idp.test/jwks" } } });
  });

  it("compiles the introspection cache switch to a lifetime, or null when off", () => {
    const compile = (cache: unknown) =>
      compileExternalOAuth(externalOAuthSchema.parse({ providers: [{ introspection: { enabled: true, url: "u", cache } }] }), defaultAuthConfig).provider;
    expect(compile({ enabled: true, timeout: 30 })).toMatchObject({ kind: "introspection", introspection: { cacheSeconds: 30 } });
    expect(compile({ enabled: false, timeout: 30 })).toMatchObject({ kind: "introspection", introspection: { cacheSeconds: null } });
  });

  it("has no provider for an empty or null list", () => {
    expect(compileExternalOAuth(externalOAuthSchema.parse({ providers: null }), defaultAuthConfig).provider).toBeNull();
    expect(compileExternalOAuth(externalOAuthSchema.parse({}), defaultAuthConfig).provider).toBeNull();
  });
});
