import { createExecutionContext, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { defineFeature } from "../../src/chain/feature";
import type { Bindings } from "../../src/chain/gateway";
import { rewriteUrl } from "../../src/features/url-rewrite";
import { createGateway } from "../../src/gateway";
import { pipeline } from "../../src/pipeline";
import { admin } from "../support/admin";
import { echoOf, gateway, keylessApi, loadApis, tykError } from "../support/gateway";

/*
 * Tyk's URL rewrite with triggers (gateway/mw_url_rewrite.go), through the
 * whole pipeline to the echo upstream, which answers with the path it got.
 */

type Send = (path: string, init?: RequestInit) => Promise<Response>;

const rewrite = (path: string, match_pattern: string, rewrite_to: string, triggers: unknown[] = []) => ({
  path,
  method: "",
  match_pattern,
  rewrite_to,
  triggers,
});
const trigger = (on: "any" | "all", options: Record<string, unknown>, rewrite_to: string) => ({ on, options, rewrite_to });
const withRewrites = (url_rewrites: unknown[]) => ({
  version_data: { not_versioned: true, versions: { Default: { name: "Default", use_extended_paths: true, extended_paths: { url_rewrites } } } },
});

/** Turns context variables on for every API, standing in for `enable_context_vars`. */
const contextVarsOn = defineFeature({
  name: "TestContextVars",
  honours: [],
  compile: () => true,
  step: () => async (ctx, next) => {
    ctx.contextVars = { formBody: undefined };
    return next();
  },
});

function gatewayWithContextVars(): Send {
  const bindings: Bindings = { ...env };
  const at = pipeline.indexOf(rewriteUrl);
  const built = createGateway(bindings, [...pipeline.slice(0, at), contextVarsOn, ...pipeline.slice(at)]);
  const app = createApp(() => built);
  return async (path, init) => app.request(`http://gateway.test${path}`, init, bindings, createExecutionContext());
}

const pathOf = async (response: Response) => (await echoOf(response)).path;

describe("URL rewrite triggers", () => {
  let withVars: Send;
  let gold: string;
  let bronze: string;

  beforeAll(async () => {
    await loadApis(
      keylessApi({
        api_id: "rw",
        proxy: { listen_path: "/rw/" },
        ...withRewrites([
          rewrite("/header/{id}", "^/header/(\\w+)$", "/default/$1", [
            trigger(
              "any",
              { header_matches: { "x-tenant": { match_rx: "^(acme)-(\\w+)$" } } },
              "/tenant/$tyk_context.trigger-0-X-Tenant-0-0/$tyk_context.trigger-0-X-Tenant-0-1/$1",
            ),
          ]),
          rewrite("/header-not", "^/header-not$", "/default", [
            trigger("any", { header_matches: { "X-Tenant": { match_rx: "^internal$", reverse: true } } }, "/external"),
          ]),
          rewrite("/query", "^/query$", "/default", [
            trigger("any", { query_val_matches: { mode: { match_rx: "^(fast|slow)$" } } }, "/mode/$tyk_context.trigger-0-mode-0"),
          ]),
          rewrite("/query-not", "^/query-not$", "/default", [
            trigger("any", { query_val_matches: { mode: { match_rx: "^fast$", reverse: true } } }, "/not-fast"),
          ]),
          rewrite("/parts/.*", "^/parts/(.*)$", "/default", [
            trigger("any", { path_part_matches: { ver: { match_rx: "^v(\\d+)$" } } }, "/version/$tyk_context.trigger-0-ver-0-0/$1"),
          ]),
          rewrite("/parts-not/.*", "^/parts-not/.*$", "/default", [
            trigger("any", { path_part_matches: { all: { match_rx: ".*", reverse: true } } }, "/never"),
          ]),
          rewrite("/body", "^/body$", "/default", [
            trigger("any", { payload_matches: { match_rx: '"kind":\\s*"(\\w+)"' } }, "/kind/$tyk_context.trigger-0-payload-0-0"),
          ]),
          rewrite("/body-not", "^/body-not$", "/default", [trigger("any", { payload_matches: { match_rx: "secret", reverse: true } }, "/clean")]),
          rewrite("/ctx", "^/ctx$", "/default", [
            trigger("any", { request_context_matches: { headers_X_Region: { match_rx: "^(eu)-" } } }, "/region/$tyk_context.trigger-0-headers_X_Region-0"),
          ]),
          rewrite("/ctx-not", "^/ctx-not$", "/default", [
            trigger("any", { request_context_matches: { headers_X_Region: { match_rx: "^eu-", reverse: true } } }, "/outside-eu"),
          ]),
          rewrite("/all", "^/all$", "/default", [
            trigger("all", { header_matches: { "x-a": { match_rx: "yes" } }, query_val_matches: { b: { match_rx: "yes" } } }, "/both"),
          ]),
          rewrite("/any", "^/any$", "/default", [
            trigger("any", { header_matches: { "x-a": { match_rx: "yes" } }, query_val_matches: { b: { match_rx: "yes" } } }, "/either"),
          ]),
          rewrite("/first/{id}", "^/first/(\\w+)$", "/default", [
            trigger("any", { header_matches: { "x-a": { match_rx: "yes" } } }, "/first-trigger/$1"),
            trigger("any", { header_matches: { "x-a": { match_rx: "y" } } }, "/second-trigger/$1"),
          ]),
          rewrite("/vars", "^/vars$", "/vars/$tyk_context.headers_X_User/$tyk_context.trigger-0-nothing"),
          rewrite("/unanchored/{id}", "unanchored/(\\w+)", "/replaced/$1"),
          rewrite("/loop", "^/loop$", "tyk://self/elsewhere"),
          rewrite("/loop-trigger", "^/loop-trigger$", "/default", [trigger("any", { header_matches: { "x-loop": { match_rx: "." } } }, "tyk://other-api/x")]),
        ]),
      }),
      keylessApi({
        api_id: "rw-keyed",
        use_keyless: false,
        use_standard_auth: true,
        proxy: { listen_path: "/rw-keyed/" },
        ...withRewrites([
          rewrite("/tier", "^/tier$", "/default/$tyk_meta.tier", [
            trigger("any", { session_meta_matches: { tier: { match_rx: "^(gold|silver)$" } } }, "/tier/$tyk_context.trigger-0-tier-0"),
          ]),
          rewrite("/not-gold", "^/not-gold$", "/default", [
            trigger("any", { session_meta_matches: { tier: { match_rx: "^gold$", reverse: true } } }, "/not-gold"),
          ]),
        ]),
      }),
    );
    withVars = gatewayWithContextVars();
    const keyWithTier = async (tier: string) => {
      const access_rights = { "rw-keyed": { api_id: "rw-keyed", versions: ["Default"] } };
      const created = await admin("POST", "/keys/create", { org_id: "default", meta_data: { tier }, access_rights });
      return (created.body as { key: string }).key;
    };
    gold = await keyWithTier("gold");
    bronze = await keyWithTier("bronze");
  });

  it("header_matches: fires on a matching header, with its groups in rewrite_to", async () => {
    expect(await pathOf(await gateway("/rw/header/42", { headers: { "x-tenant": "acme-blue" } }))).toBe("/tenant/acme/blue/42");
    expect(await pathOf(await gateway("/rw/header/42", { headers: { "x-tenant": "other" } }))).toBe("/default/42");
    expect(await pathOf(await gateway("/rw/header/42"))).toBe("/default/42");
  });

  it("header_matches with reverse: fires when the header does not match, never when it is absent", async () => {
    expect(await pathOf(await gateway("/rw/header-not", { headers: { "x-tenant": "partner" } }))).toBe("/external");
    expect(await pathOf(await gateway("/rw/header-not", { headers: { "x-tenant": "internal" } }))).toBe("/default");
    expect(await pathOf(await gateway("/rw/header-not"))).toBe("/default");
  });

  it("query_val_matches, with and without reverse", async () => {
    expect(await pathOf(await gateway("/rw/query?mode=slow"))).toBe("/mode/slow?mode=slow");
    expect(await pathOf(await gateway("/rw/query?mode=other"))).toBe("/default?mode=other");
    expect(await pathOf(await gateway("/rw/query-not?mode=slow"))).toBe("/not-fast?mode=slow");
    expect(await pathOf(await gateway("/rw/query-not?mode=fast"))).toBe("/default?mode=fast");
  });

  it("path_part_matches, with and without reverse", async () => {
    expect(await pathOf(await gateway("/rw/parts/api/v2/users"))).toBe("/version/2/api/v2/users");
    expect(await pathOf(await gateway("/rw/parts/api/users"))).toBe("/default");
    // Every part matches ".*", so its reverse never fires.
    expect(await pathOf(await gateway("/rw/parts-not/a/b"))).toBe("/default");
  });

  it("payload_matches reads the body and still sends it upstream whole", async () => {
    const body = JSON.stringify({ kind: "order", note: "x".repeat(5000) });
    const echo = await echoOf(await gateway("/rw/body", { method: "POST", body, headers: { "content-type": "application/json" } }));
    expect(echo.path).toBe("/kind/order");
    expect(echo.body).toBe(body);
    expect(await pathOf(await gateway("/rw/body", { method: "POST", body: '{"other":1}' }))).toBe("/default");
  });

  it("payload_matches looks at the first MiB only, and a larger body still goes upstream whole", async () => {
    const filler = "x".repeat(1024 * 1024);
    const early = `{"kind": "early", "pad": "${filler}"}`;
    const echo = await echoOf(await gateway("/rw/body", { method: "POST", body: early }));
    expect(echo.path).toBe("/kind/early");
    expect(echo.body.length).toBe(early.length);
    const late = `{"pad": "${filler}", "kind": "late"}`;
    expect(await pathOf(await gateway("/rw/body", { method: "POST", body: late }))).toBe("/default");
  });

  it("payload_matches with reverse fires when the body does not match, including no body", async () => {
    expect(await pathOf(await gateway("/rw/body-not", { method: "POST", body: "all clear" }))).toBe("/clean");
    expect(await pathOf(await gateway("/rw/body-not", { method: "POST", body: "a secret" }))).toBe("/default");
    expect(await pathOf(await gateway("/rw/body-not"))).toBe("/clean");
  });

  it("request_context_matches reads context variables, with and without reverse", async () => {
    expect(await pathOf(await withVars("/rw/ctx", { headers: { "x-region": "eu-west" } }))).toBe("/region/eu");
    expect(await pathOf(await withVars("/rw/ctx", { headers: { "x-region": "us-east" } }))).toBe("/default");
    expect(await pathOf(await withVars("/rw/ctx-not", { headers: { "x-region": "us-east" } }))).toBe("/outside-eu");
    expect(await pathOf(await withVars("/rw/ctx-not", { headers: { "x-region": "eu-west" } }))).toBe("/default");
  });

  it("request_context_matches finds nothing while context variables are off", async () => {
    expect(await pathOf(await gateway("/rw/ctx", { headers: { "x-region": "eu-west" } }))).toBe("/default");
  });

  it('on: "all" needs every option kind to pass; on: "any" needs one', async () => {
    expect(await pathOf(await gateway("/rw/all?b=yes", { headers: { "x-a": "yes" } }))).toBe("/both?b=yes");
    expect(await pathOf(await gateway("/rw/all", { headers: { "x-a": "yes" } }))).toBe("/default");
    expect(await pathOf(await gateway("/rw/any", { headers: { "x-a": "yes" } }))).toBe("/either");
    expect(await pathOf(await gateway("/rw/any?b=yes"))).toBe("/either?b=yes");
    expect(await pathOf(await gateway("/rw/any?b=no"))).toBe("/default?b=no");
  });

  it("the first trigger that fires wins, and $N are match_pattern's groups", async () => {
    expect(await pathOf(await gateway("/rw/first/abc", { headers: { "x-a": "yes" } }))).toBe("/first-trigger/abc");
    expect(await pathOf(await gateway("/rw/first/abc", { headers: { "x-a": "y" } }))).toBe("/second-trigger/abc");
  });

  it("expands context variables in rewrite_to, query-escaped as Tyk does, and an unknown trigger key to nothing", async () => {
    expect(await pathOf(await withVars("/rw/vars", { headers: { "x-user": "ann lee/1" } }))).toBe("/vars/ann+lee%2F1/");
  });

  it("replaces the whole path with rewrite_to, not only the part match_pattern matched", async () => {
    expect(await pathOf(await gateway("/rw/unanchored/abc"))).toBe("/replaced/abc");
  });

  it("session_meta_matches reads the key's meta_data on an auth-token API, and $tyk_meta expands", async () => {
    expect(await pathOf(await gateway("/rw-keyed/tier", { headers: { authorization: gold } }))).toBe("/tier/gold");
    expect(await pathOf(await gateway("/rw-keyed/not-gold", { headers: { authorization: gold } }))).toBe("/default");
    expect(await pathOf(await gateway("/rw-keyed/tier", { headers: { authorization: bronze } }))).toBe("/default/bronze");
    expect(await pathOf(await gateway("/rw-keyed/not-gold", { headers: { authorization: bronze } }))).toBe("/not-gold");
  });

  it("refuses tyk:// internal looping with a 500, from rewrite_to and from a trigger", async () => {
    const direct = await gateway("/rw/loop");
    expect(direct.status).toBe(500);
    expect(await tykError(direct)).toBe("URL rewrite to tyk:// (internal looping) is not supported by this gateway");
    const triggered = await gateway("/rw/loop-trigger", { headers: { "x-loop": "1" } });
    expect(triggered.status).toBe(500);
    expect(await pathOf(await gateway("/rw/loop-trigger"))).toBe("/default");
  });
});

describe("URL rewrite definitions", () => {
  it("refuses an invalid match_rx, naming the field", async () => {
    const definition = keylessApi({
      api_id: "rw-bad",
      proxy: { listen_path: "/rw-bad/" },
      ...withRewrites([rewrite("/x", "^/x$", "/y", [trigger("any", { header_matches: { "x-a": { match_rx: "(" } } }, "/z")])]),
    });
    const reply = await admin("POST", "/apis", definition);
    expect(reply.status).toBe(400);
    expect(JSON.stringify(reply.body)).toContain("triggers.0.options.header_matches.x-a.match_rx");
  });

  it("reports rewrites to tyk:// in the Gateway API's warnings, naming each entry", async () => {
    const definition = keylessApi({
      api_id: "rw-loop",
      proxy: { listen_path: "/rw-loop/" },
      ...withRewrites([
        rewrite("/a", "^/a$", "/fine"),
        rewrite("/b", "^/b$", "/fine", [trigger("any", { header_matches: { "x-a": { match_rx: "." } } }, "tyk://self/b")]),
      ]),
    });
    const reply = await admin("POST", "/apis", definition);
    expect(reply.status).toBe(200);
    expect((reply.body as { warnings: unknown[] }).warnings).toEqual([
      {
        field: "version_data.versions.Default.extended_paths.url_rewrites.1.rewrite_to",
        message: "internal looping (tyk://) is not supported; the rewrite answers 500",
        security: false,
      },
    ]);
  });

  it('refuses an "on" that is neither "any" nor "all"', async () => {
    const definition = keylessApi({
      api_id: "rw-bad-on",
      proxy: { listen_path: "/rw-bad-on/" },
      ...withRewrites([rewrite("/x", "^/x$", "/y", [{ on: "ANY", options: {}, rewrite_to: "/z" }])]),
    });
    const reply = await admin("POST", "/apis", definition);
    expect(reply.status).toBe(400);
    expect(JSON.stringify(reply.body)).toContain("triggers.0.on");
  });
});
