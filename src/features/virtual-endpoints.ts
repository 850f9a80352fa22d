import * as z from "zod";
import type { FieldWarning } from "../apidef/manifest";
import { compilePathPattern } from "../apidef/paths";
import { compileVersions, list, pathPattern, perVersionFragment } from "../apidef/schema";
import { defineFeature, type Feature } from "../chain/feature";
import { messages, TykError } from "../lib/tyk-error";
import { plugins as bundledPlugins } from "../plugins";
import { virtualReplySchema, type PluginRegistry, type VirtualHook } from "../plugins/api";
import { pluginContext } from "./plugin-hooks/context";
import { configDataOf, pluginFields, resolvePlugin } from "./plugin-hooks/fields";
import { callPlugin } from "./plugin-hooks/run";

/*
 * Tyk's virtual endpoints (`extended_paths.virtual`): the first enabled entry
 * matching the method and path answers the request itself with the reply of
 * the registered plugin named by `response_function_name` (its `virtual` hook,
 * returning Tyk's `{Body, Headers, Code}`). Tyk runs JavaScript from a file or
 * a base64 blob (`function_source_type` / `function_source_uri`); Workers
 * cannot run code that was not bundled, so only the name is used. With
 * `use_session` the hook sees the caller's session; with `proxy_on_error` a
 * failing hook sends the request upstream instead of answering 500.
 */

const virtualEntry = z.looseObject({
  path: pathPattern,
  method: z.string().default(""),
  disabled: z.boolean().default(false),
  response_function_name: z.string().default(""),
  function_source_type: z.string().default(""),
  function_source_uri: z.string().default(""),
  use_session: z.boolean().default(false),
  proxy_on_error: z.boolean().default(false),
});

// One object, not an intersection: zod cannot merge a field one side parsed (null → default) and the other passed through raw.
const fields = perVersionFragment({ virtual: list(virtualEntry) }).extend(pluginFields.shape);
type Fields = z.output<typeof fields>;

interface Endpoint {
  pattern: RegExp;
  method: string;
  name: string;
  hook: VirtualHook;
  useSession: boolean;
  proxyOnError: boolean;
}

interface Options {
  byVersion: Map<string, Endpoint[]>;
  configData: Readonly<Record<string, unknown>>;
  maxBodyBytes: number;
}

const entryFields = ["path", "method", "disabled", "response_function_name", "function_source_type", "function_source_uri", "use_session", "proxy_on_error"];

function enabledEntries(definition: Fields): [string, z.output<typeof virtualEntry>][] {
  return Object.entries(definition.version_data.versions).flatMap(([name, version]) =>
    version.use_extended_paths ? version.extended_paths.virtual.filter((entry) => !entry.disabled).map((entry): [string, typeof entry] => [name, entry]) : [],
  );
}

export function virtualEndpointFeature(registry: PluginRegistry): Feature {
  return defineFeature({
    name: "VirtualEndpoint",
    fields,
    honours: entryFields.map((field) => `version_data.versions.*.extended_paths.virtual.*.${field}`),
    compile: (definition, _api, settings): Options | undefined => {
      const byVersion = compileVersions(definition, (version) => {
        const endpoints = (version.use_extended_paths ? version.extended_paths.virtual : []).flatMap((entry): Endpoint[] => {
          const resolved = entry.disabled ? undefined : resolvePlugin(registry, entry.response_function_name, "virtual");
          const hook = resolved && "plugin" in resolved ? resolved.plugin.virtual : undefined;
          if (!hook) return [];
          const { path, method, response_function_name: name, use_session: useSession, proxy_on_error: proxyOnError } = entry;
          return [{ pattern: compilePathPattern(path), method, name, hook, useSession, proxyOnError }];
        });
        return endpoints.length > 0 ? endpoints : undefined;
      });
      return byVersion.size > 0 ? { byVersion, configData: configDataOf(definition), maxBodyBytes: settings.transformMaxBytes } : undefined;
    },
    // A virtual endpoint whose function is missing would fall through to the upstream: not served instead.
    report: (definition): FieldWarning[] =>
      enabledEntries(definition).flatMap(([version, entry]) => {
        const resolved = resolvePlugin(registry, entry.response_function_name, "virtual");
        if ("plugin" in resolved) return [];
        const field = `version_data.versions.${version}.extended_paths.virtual.${entry.response_function_name || "(no name)"}`;
        return [{ field, message: `${resolved.problem}; the API is not served while it is set`, security: true }];
      }),
    step: (options) => async (ctx, next) => {
      const endpoint = options.byVersion.get(ctx.version.name)?.find((entry) => entry.method === ctx.method && entry.pattern.test(ctx.apiPath));
      if (!endpoint) return next();
      const call = pluginContext(ctx, options.configData, options.maxBodyBytes, endpoint.name, endpoint.useSession);
      let reply: z.output<typeof virtualReplySchema>;
      try {
        const returned = await callPlugin(ctx, endpoint.name, "virtual", () => endpoint.hook(call.context));
        const parsed = virtualReplySchema.safeParse(returned);
        if (!parsed.success) {
          ctx.log.error("plugin failed", {
            plugin: endpoint.name,
            hook: "virtual",
            error: "its reply is not {Body, Headers, Code}",
            issues: parsed.error.issues,
          });
          throw new TykError(500, messages.pluginFailed);
        }
        reply = parsed.data;
      } catch (error) {
        if (endpoint.proxyOnError && error instanceof TykError && error.message === messages.pluginFailed) return next();
        throw error;
      }
      return new Response(reply.Body === "" ? null : reply.Body, { status: reply.Code, headers: reply.Headers });
    },
  });
}

export const virtualEndpoints = virtualEndpointFeature(bundledPlugins);
