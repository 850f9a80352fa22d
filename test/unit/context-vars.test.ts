import { describe, expect, it } from "vitest";
import type { CoreApi } from "../../src/apidef/compile";
import { RequestContext } from "../../src/chain/context";
import type { Gateway } from "../../src/chain/gateway";
import { compileTemplate, contextVariable, expandVariables } from "../../src/features/context-vars";
import { sessionSchema } from "../../src/session/schema";

const api = { id: "a", keyless: true } as CoreApi;
const gateway = { config: { clientIpHeader: "cf-connecting-ip", hideGeneratorHeader: false } } as Gateway;

/** A request at `/api/<path>` (listen path `/api`), with context variables on unless `enabled` is false. */
function contextFor(path: string, init: RequestInit = {}, enabled = true): RequestContext {
  const request = new Request(`http://gateway.test/api${path}`, init);
  const ctx = new RequestContext(request, new URL(request.url), gateway, api, 4, () => undefined);
  if (enabled) ctx.contextVars = { formBody: undefined };
  return ctx;
}

function withSession(ctx: RequestContext, meta: Record<string, unknown>): RequestContext {
  ctx.identity = { session: sessionSchema.parse({ meta_data: meta }), sessionId: "s" };
  return ctx;
}

describe("context variables", () => {
  it("gives the full request path, decoded, and its parts without the empty first one", () => {
    const ctx = contextFor("/users/a%20b/orders");
    expect(contextVariable(ctx, "path")).toBe("/api/users/a b/orders");
    expect(contextVariable(ctx, "path_parts")).toBe("api,users,a b,orders");
  });

  it("names headers the way Go canonicalises them, dashes as underscores", () => {
    const ctx = contextFor("/", { headers: { "x-client-name": "acme", "content-type": "text/plain" } });
    expect(contextVariable(ctx, "headers_X_Client_Name")).toBe("acme");
    expect(contextVariable(ctx, "headers_Content_Type")).toBe("text/plain");
    // Tyk's names are case-sensitive: only the canonical spelling exists.
    expect(contextVariable(ctx, "headers_x_client_name")).toBeUndefined();
    expect(contextVariable(ctx, "headers_X_Missing")).toBeUndefined();
    expect(contextVariable(ctx, "headers_Host")).toBe("gateway.test");
  });

  it("reads cookies by name, dashes as underscores, the last of a name winning", () => {
    const ctx = contextFor("/", { headers: { cookie: 'session-id="abc"; theme=dark; theme=light' } });
    expect(contextVariable(ctx, "cookies_session_id")).toBe("abc");
    expect(contextVariable(ctx, "cookies_theme")).toBe("light");
    expect(contextVariable(ctx, "cookies_none")).toBeUndefined();
  });

  it("gives the caller's address and one request id that the log lines share", () => {
    const ctx = contextFor("/", { headers: { "cf-connecting-ip": "203.0.113.9", "cf-ray": "ray-1" } });
    expect(contextVariable(ctx, "remote_addr")).toBe("203.0.113.9");
    expect(contextVariable(ctx, "request_id")).toBe("ray-1");
    const generated = contextFor("/");
    expect(contextVariable(generated, "request_id")).toBe(generated.requestId);
    expect(generated.requestId).toBe(generated.requestId);
  });

  it("formats request_data as key:values;… with form body values before the query's", () => {
    const ctx = contextFor("/?name=query&page=2");
    ctx.contextVars = { formBody: new URLSearchParams("name=form&list-id=7") };
    expect(contextVariable(ctx, "request_data")).toBe("name:form,query;list-id:7;page:2");
    expect(contextVariable(ctx, "request_data_name")).toBe("form");
    expect(contextVariable(ctx, "request_data_list_id")).toBe("7");
    expect(contextVariable(ctx, "request_data_page")).toBe("2");
  });

  it("gives the token and JWT claims the auth steps stored", () => {
    const ctx = contextFor("/");
    expect(contextVariable(ctx, "token")).toBeUndefined();
    ctx.authToken = "key-1";
    ctx.jwtClaims = { sub: "user-7", scope: ["read", "write all"], admin: true, level: 3 };
    expect(contextVariable(ctx, "token")).toBe("key-1");
    expect(contextVariable(ctx, "jwt_claims_sub")).toBe("user-7");
    expect(contextVariable(ctx, "jwt_claims_scope")).toBe("read,write+all");
    expect(contextVariable(ctx, "jwt_claims_level")).toBe("3");
    // Go prints no boolean: the variable exists but is empty.
    expect(contextVariable(ctx, "jwt_claims_admin")).toBe("");
    expect(contextVariable(ctx, "jwt_claims_missing")).toBeUndefined();
  });
});

describe("expandVariables", () => {
  it("replaces context and metadata variables anywhere in a template", () => {
    const ctx = withSession(contextFor("/items", { headers: { "x-tenant": "t1" } }), { plan: "gold", seats: 12 });
    expect(expandVariables("$tyk_context.headers_X_Tenant:$tyk_meta.plan/$tyk_meta.seats at $tyk_context.path", ctx)).toBe("t1:gold/12 at /api/items");
  });

  it("empties variables without a value, as Tyk does", () => {
    const ctx = withSession(contextFor("/"), {});
    expect(expandVariables("[$tyk_context.headers_X_None][$tyk_meta.missing][$tyk_context.unknown]", ctx)).toBe("[][][]");
  });

  it("empties context variables when the API has them off, and metadata without a session", () => {
    const ctx = contextFor("/x", {}, false);
    expect(expandVariables("<$tyk_context.path><$tyk_meta.plan>", ctx)).toBe("<><>");
  });

  it("leaves text without variables, and other $ words, untouched", () => {
    const ctx = contextFor("/");
    expect(expandVariables("plain $1 $tyk_other.x", ctx)).toBe("plain $1 $tyk_other.x");
  });

  it("query-escapes values for URL rewrites, except URLs", () => {
    const ctx = withSession(contextFor("/"), { q: "a b&c", target: "http://example.test/x y" });
    expect(expandVariables("/search?q=$tyk_meta.q", ctx, true)).toBe("/search?q=a+b%26c");
    expect(expandVariables("$tyk_meta.target", ctx, true)).toBe("http://example.test/x y");
  });

  it("compiles constant templates to the constant and others to an expansion", () => {
    const ctx = contextFor("/p");
    expect(compileTemplate("fixed")(ctx)).toBe("fixed");
    expect(compileTemplate("at $tyk_context.path")(ctx)).toBe("at /api/p");
  });
});
