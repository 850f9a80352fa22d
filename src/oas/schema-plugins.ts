import * as z from "zod";

/*
 * The plugin parts of Tyk's extension: `middleware.global.pluginConfig`, the
 * global plugin lists (`prePlugins`, `postAuthenticationPlugins`,
 * `postPlugins`, `responsePlugins`, and their older one-object spellings
 * `prePlugin.plugins` ...), an operation's `postPlugins` and
 * `virtualEndpoint`, and `server.authentication.custom`. Plugins are found
 * by `functionName` in the registry (src/plugins/index.ts); where Tyk loads
 * their code from (`path`, `code`, a bundle) is kept so the converter can
 * carry it or name it.
 */

export const customPluginSchema = z.looseObject({
  enabled: z.boolean(),
  functionName: z.string(),
  path: z.string().optional(),
  rawBodyOnly: z.boolean().optional(),
  requireSession: z.boolean().optional(),
});

export const customPluginsSchema = z.array(customPluginSchema);

/** The older spelling: `{ "plugins": [...] }`, read only when the list form is absent. */
export const customPluginConfigSchema = z.looseObject({ plugins: customPluginsSchema.optional() });

export const pluginConfigSchema = z.looseObject({
  driver: z.string().optional(),
  bundle: z.looseObject({ enabled: z.boolean(), path: z.string() }).optional(),
  data: z.looseObject({ enabled: z.boolean(), value: z.record(z.string(), z.unknown()) }).optional(),
});

export const globalPluginFields = {
  pluginConfig: pluginConfigSchema.optional(),
  prePlugin: customPluginConfigSchema.optional(),
  prePlugins: customPluginsSchema.optional(),
  postAuthenticationPlugin: customPluginConfigSchema.optional(),
  postAuthenticationPlugins: customPluginsSchema.optional(),
  postPlugin: customPluginConfigSchema.optional(),
  postPlugins: customPluginsSchema.optional(),
  responsePlugin: customPluginConfigSchema.optional(),
  responsePlugins: customPluginsSchema.optional(),
};

export const virtualEndpointSchema = z.looseObject({
  enabled: z.boolean(),
  functionName: z.string().optional(),
  /** Deprecated spelling of functionName. */
  name: z.string().optional(),
  path: z.string().optional(),
  body: z.string().optional(),
  proxyOnError: z.boolean().optional(),
  requireSession: z.boolean().optional(),
});

export const endpointPostPluginSchema = z.looseObject({
  enabled: z.boolean(),
  functionName: z.string().optional(),
  name: z.string().optional(),
  path: z.string().optional(),
});

export const customAuthenticationSchema = z.looseObject({
  enabled: z.boolean(),
  config: z
    .looseObject({
      enabled: z.boolean(),
      functionName: z.string(),
      path: z.string().optional(),
      rawBodyOnly: z.boolean().optional(),
      requireSession: z.boolean().optional(),
    })
    .optional(),
});

export type OasCustomPlugin = z.infer<typeof customPluginSchema>;
export type OasPluginConfig = z.infer<typeof pluginConfigSchema>;
export type OasVirtualEndpoint = z.infer<typeof virtualEndpointSchema>;
export type OasCustomAuthentication = z.infer<typeof customAuthenticationSchema>;
