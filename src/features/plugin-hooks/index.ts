import { defineFeature, type Feature } from "../../chain/feature";
import type { Next } from "../../chain/step";
import type { RequestContext } from "../../chain/context";
import { isAnswer, type Plugin, type PluginRegistry, type RequestHook, type ResponseHook } from "../../plugins/api";
import { plugins as bundledPlugins } from "../../plugins";
import { pluginContext } from "./context";
import { configDataOf, enabledEntries, pluginFields, pluginHonours, pluginProblems, resolvePlugin, type ListHook, type PluginFields } from "./fields";
import { ResponseView } from "./response-view";
import { answerResponse, callPlugin } from "./run";

/*
 * Tyk's custom_middleware hooks as steps: `pre`, `post_key_auth` and `post`
 * run their plugins in definition order and stop at the first one that
 * answers; `response` plugins see (and may change or replace) the upstream's
 * answer. The `auth_check` hook runs inside authentication
 * (features/auth/custom-auth.ts). Each feature is built for a registry, the
 * bundled one in the pipeline, a test's own in tests.
 */

interface Bound<H> {
  name: string;
  hook: H;
}

interface HookOptions<H> {
  hooks: Bound<H>[];
  configData: Readonly<Record<string, unknown>>;
  maxBodyBytes: number;
}

function bind<H>(registry: PluginRegistry, fields: PluginFields, hook: ListHook, pick: (plugin: Plugin) => H | undefined): Bound<H>[] {
  return enabledEntries(fields, hook).flatMap((entry) => {
    const resolved = resolvePlugin(registry, entry.name, hook);
    const fn = "plugin" in resolved ? pick(resolved.plugin) : undefined;
    // An unresolved name is reported by `report` and the API is not served, so it never runs.
    return fn ? [{ name: entry.name, hook: fn }] : [];
  });
}

async function runRequestHooks(ctx: RequestContext, options: HookOptions<RequestHook>, hookName: string, next: Next): Promise<Response> {
  for (const { name, hook } of options.hooks) {
    const call = pluginContext(ctx, options.configData, options.maxBodyBytes, name);
    const result = await callPlugin(ctx, name, hookName, () => hook(call.context));
    call.commit();
    if (isAnswer(result)) return answerResponse(result);
  }
  return next();
}

function requestHookFeature(registry: PluginRegistry, hook: "pre" | "post_key_auth" | "post", name: string, reports: boolean): Feature {
  return defineFeature({
    name,
    fields: pluginFields,
    honours: reports ? pluginHonours : [],
    compile: (fields, _api, settings): HookOptions<RequestHook> | undefined => {
      const hooks = bind(registry, fields, hook, (plugin) => plugin[hook]);
      return hooks.length > 0 ? { hooks, configData: configDataOf(fields), maxBodyBytes: settings.transformMaxBytes } : undefined;
    },
    step: (options) => (ctx, next) => runRequestHooks(ctx, options, hook, next),
    ...(reports ? { report: (fields: PluginFields) => pluginProblems(registry, fields) } : {}),
  });
}

function responseHookFeature(registry: PluginRegistry): Feature {
  return defineFeature({
    name: "ResponsePlugins",
    fields: pluginFields,
    honours: [],
    compile: (fields, _api, settings): HookOptions<ResponseHook> | undefined => {
      const hooks = bind(registry, fields, "response", (plugin) => plugin.response);
      return hooks.length > 0 ? { hooks, configData: configDataOf(fields), maxBodyBytes: settings.transformMaxBytes } : undefined;
    },
    step: (options) => async (ctx, next) => {
      const response = await next();
      // Tyk's response chain runs on what the upstream answered, not on the gateway's own replies.
      if (!ctx.answeredByUpstream) return response;
      const view = new ResponseView(response, options.maxBodyBytes);
      for (const { name, hook } of options.hooks) {
        const call = pluginContext(ctx, options.configData, options.maxBodyBytes, name);
        const result = await callPlugin(ctx, name, "response", () => hook(call.context, view));
        if (isAnswer(result)) return answerResponse(result);
      }
      return view.result();
    },
  });
}

/** The hook steps for one registry; `prePlugins` also reports names the registry lacks (any hook). */
export function pluginHookFeatures(registry: PluginRegistry) {
  return {
    prePlugins: requestHookFeature(registry, "pre", "PrePlugins", true),
    postKeyAuthPlugins: requestHookFeature(registry, "post_key_auth", "PostKeyAuthPlugins", false),
    postPlugins: requestHookFeature(registry, "post", "PostPlugins", false),
    responsePlugins: responseHookFeature(registry),
  };
}

export const { prePlugins, postKeyAuthPlugins, postPlugins, responsePlugins } = pluginHookFeatures(bundledPlugins);
