import { createExecutionContext, env } from "cloudflare:test";
import { createApp } from "../../../src/app";
import type { Feature } from "../../../src/chain/feature";
import { pluginHookFeatures, postKeyAuthPlugins, postPlugins, prePlugins, responsePlugins } from "../../../src/features/plugin-hooks";
import { virtualEndpointFeature, virtualEndpoints } from "../../../src/features/virtual-endpoints";
import { createGateway } from "../../../src/gateway";
import { pipeline } from "../../../src/pipeline";
import { plugins } from "../../../src/plugins";
import { definePlugin, respond, type PluginRegistry } from "../../../src/plugins/api";

/*
 * Test plugins, and a gateway (in this workerd isolate, over the same KV and
 * loopback upstream as the Worker) whose pipeline resolves names in a registry
 * of the bundled plugins plus these, so tests need not ship plugins to users.
 */

export const testPlugins: PluginRegistry = {
  ...plugins,
  /** Tells the upstream whether it saw a session; answers 418 itself when asked to. */
  seePre: definePlugin({
    pre: (ctx) => {
      ctx.upstream.headers.set("x-pre-saw-session", ctx.session ? "yes" : "no");
      return ctx.request.headers.has("x-answer-early") ? respond(418, "answered by pre", { "x-by": "pre" }) : undefined;
    },
  }),
  seePostKeyAuth: definePlugin({
    post_key_auth: (ctx) => {
      const session = ctx.session;
      ctx.upstream.headers.set("x-post-key-auth-saw", session ? `${session.alias}|${session.policies.join(",")}|${String(session.metaData["tier"])}` : "none");
      session?.setMetaData("seen_by", "plugin");
    },
  }),
  /** Reports what the post hook sees and changes the query and body. */
  seePost: definePlugin({
    post: async (ctx) => {
      ctx.upstream.headers.set("x-post-saw-path", ctx.upstream.path);
      ctx.upstream.headers.set("x-post-saw-meta", String(ctx.session?.metaData["seen_by"]));
      ctx.upstream.query.set("added", "1");
      const body = await ctx.upstream.readBody();
      if (body !== "") ctx.upstream.setBody(body.toUpperCase());
    },
  }),
  wrapResponse: definePlugin({
    response: async (_ctx, response) => {
      const body = await response.readBody();
      response.status = 203;
      response.headers.set("x-wrapped", "yes");
      response.setBody(JSON.stringify({ wrapped: JSON.parse(body) }));
    },
  }),
  replaceResponse: definePlugin({ response: () => respond(299, "replaced") }),
  /** Throws on request: the 500 path. */
  boom: definePlugin({
    pre: (ctx) => {
      if (ctx.request.headers.has("x-boom")) throw new Error("kaboom");
    },
  }),
  hello: definePlugin({
    virtual: (ctx) => ({
      Body: JSON.stringify({ path: ctx.upstream.path, session: ctx.session?.alias ?? null, config: ctx.configData["greeting"] ?? null }),
      Code: 202,
      Headers: { "x-virtual": "hello", "content-type": "application/json" },
    }),
  }),
  failingVirtual: definePlugin({
    virtual: () => {
      throw new TypeError("virtual failed");
    },
  }),
  badReplyVirtual: definePlugin({ virtual: () => ({ Code: 42 }) }),
};

export type Send = (path: string, init?: RequestInit) => Promise<Response>;

/** The pipeline with every plugin feature bound to `registry`. */
export function pipelineWith(registry: PluginRegistry): Feature[] {
  const hooks = pluginHookFeatures(registry);
  const swap = new Map<Feature, Feature>([
    [prePlugins, hooks.prePlugins],
    [postKeyAuthPlugins, hooks.postKeyAuthPlugins],
    [postPlugins, hooks.postPlugins],
    [responsePlugins, hooks.responsePlugins],
    [virtualEndpoints, virtualEndpointFeature(registry)],
  ]);
  return pipeline.map((feature) => swap.get(feature) ?? feature);
}

export function gatewayWith(registry: PluginRegistry = testPlugins): Send {
  const bindings = { ...env };
  const gateway = createGateway(bindings, pipelineWith(registry));
  const app = createApp(() => gateway);
  return async (path, init) => app.request(`http://gateway.test${path}`, init, bindings, createExecutionContext());
}
