import type { OasErrorOverrides } from "./schema-error-overrides";
import type { OasGlobalMiddleware } from "./schema-middleware";
import type { OasCustomAuthentication, OasCustomPlugin } from "./schema-plugins";
import type { UnmappedFields } from "./unmapped";

/*
 * Plugins and error overrides to their classic fields: the global plugin
 * lists become `custom_middleware` hooks (a plugin is named by its
 * `functionName`), `pluginConfig` the driver, `custom_middleware_bundle` and
 * `config_data` (each with its `*_disabled` flag, as Tyk's ExtractTo sets
 * them), `server.authentication.custom` the `auth_check` hook and
 * `custom_plugin_auth_enabled`, and `errorOverrides` the `error_overrides` map.
 * What the classic features then do with them (run a registered plugin,
 * refuse an API naming a missing one or a bundle) is theirs to decide.
 */

type Classic = Record<string, unknown>;

const global = "$.x-tyk-api-gateway.middleware.global";

type ListName = "prePlugins" | "postAuthenticationPlugins" | "postPlugins" | "responsePlugins";

/** Each OAS list and the classic hook it fills; the list form wins over the older `{ plugins }` object when both are there. */
const lists: readonly [ListName, "prePlugin" | "postAuthenticationPlugin" | "postPlugin" | "responsePlugin", string][] = [
  ["prePlugins", "prePlugin", "pre"],
  ["postAuthenticationPlugins", "postAuthenticationPlugin", "post_key_auth"],
  ["postPlugins", "postPlugin", "post"],
  ["responsePlugins", "responsePlugin", "response"],
];

const pluginFields = ["enabled", "functionName", "path", "rawBodyOnly", "requireSession"];

function hookEntry(plugin: OasCustomPlugin): Classic {
  return {
    name: plugin.functionName,
    path: plugin.path ?? "",
    disabled: !plugin.enabled,
    raw_body_only: plugin.rawBodyOnly ?? false,
    require_session: plugin.requireSession ?? false,
  };
}

function customAuthToClassic(custom: OasCustomAuthentication | undefined, middleware: Classic, unmapped: UnmappedFields): Classic {
  if (!custom) return {};
  const at = "$.x-tyk-api-gateway.server.authentication.custom";
  const config = custom.config;
  if (config) {
    middleware.auth_check = {
      name: config.functionName,
      path: config.path ?? "",
      disabled: !config.enabled,
      raw_body_only: config.rawBodyOnly ?? false,
      require_session: config.requireSession ?? false,
    };
    // The ID extractor only caches what the plugin found (reported for classic definitions too).
    unmapped.rest(`${at}.config`, config, pluginFields);
  }
  // header/query/cookie tell Tyk where the plugin's credential is; a registered plugin reads the request itself.
  unmapped.rest(at, custom, ["enabled", "config"]);
  return { custom_plugin_auth_enabled: custom.enabled };
}

/** The classic plugin fields; an empty object when the document names no plugin. */
export function pluginsToClassic(middleware: OasGlobalMiddleware | undefined, custom: OasCustomAuthentication | undefined, unmapped: UnmappedFields): Classic {
  const hooks: Classic = {};
  const classic: Classic = customAuthToClassic(custom, hooks, unmapped);
  for (const [list, older, hook] of lists) {
    const name = middleware?.[list] ? list : `${older}.plugins`;
    const plugins = middleware?.[list] ?? middleware?.[older]?.plugins;
    if (!plugins) continue;
    hooks[hook] = plugins.map(hookEntry);
    for (const [index, plugin] of plugins.entries()) unmapped.rest(`${global}.${name}[${index}]`, plugin, pluginFields);
  }
  const config = middleware?.pluginConfig;
  if (config?.driver) hooks.driver = config.driver;
  if (config?.bundle) {
    classic.custom_middleware_bundle = config.bundle.path;
    classic.custom_middleware_bundle_disabled = !config.bundle.enabled;
  }
  if (config?.data) {
    classic.config_data = config.data.value;
    classic.config_data_disabled = !config.data.enabled;
  }
  if (Object.keys(hooks).length > 0) classic.custom_middleware = hooks;
  return classic;
}

/** The names `pluginsToClassic` reads from `middleware.global`. */
export const mappedGlobalPluginFields = ["pluginConfig", ...lists.map(([list]) => list), ...lists.map(([, older]) => older)];

/** `errorOverrides` to `error_overrides` and `error_overrides_disabled`. */
export function errorOverridesToClassic(overrides: OasErrorOverrides | undefined): Classic {
  if (!overrides) return {};
  const map = Object.entries(overrides.value ?? {}).map(([status, rules]) => [
    status,
    rules.map((rule) => ({
      ...(rule.match
        ? {
            match: {
              flag: rule.match.flag ?? "",
              message_pattern: rule.match.messagePattern ?? "",
              body_field: rule.match.bodyField ?? "",
              body_value: rule.match.bodyValue ?? "",
            },
          }
        : {}),
      response: {
        status_code: rule.response.statusCode ?? 0,
        body: rule.response.body ?? "",
        message: rule.response.message ?? "",
        template: rule.response.template ?? "",
        headers: rule.response.headers ?? {},
      },
    })),
  ]);
  return { error_overrides: Object.fromEntries(map), error_overrides_disabled: !overrides.enabled };
}
