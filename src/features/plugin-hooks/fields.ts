import * as z from "zod";
import { list } from "../../apidef/schema";
import type { FieldWarning } from "../../apidef/manifest";
import type { HookName, Plugin, PluginRegistry } from "../../plugins/api";

/*
 * Tyk's `custom_middleware` and `config_data`, and the check that every plugin
 * a definition names is in the registry (src/plugins/index.ts) with a hook for
 * the position it is named at. Tyk's `driver` (otto, python, lua, grpc,
 * goplugin) and each hook's `path` say where Tyk finds the code; here code is
 * bundled at deploy, so any driver is accepted and only `name` matters.
 */

export const hookEntry = z.looseObject({
  name: z.string().default(""),
  path: z.string().default(""),
  disabled: z.boolean().default(false),
  require_session: z.boolean().default(false),
  raw_body_only: z.boolean().default(false),
});

const customMiddleware = z.looseObject({
  pre: list(hookEntry),
  post_key_auth: list(hookEntry),
  post: list(hookEntry),
  response: list(hookEntry),
  auth_check: hookEntry.nullable().default(null),
  driver: z.string().default(""),
});

export const pluginFields = z.looseObject({
  custom_middleware: customMiddleware.nullable().default(null),
  config_data: z.record(z.string(), z.unknown()).nullable().default(null),
  config_data_disabled: z.boolean().default(false),
  use_keyless: z.boolean().default(false),
  custom_plugin_auth_enabled: z.boolean().default(false),
  enable_coprocess_auth: z.boolean().default(false),
  use_go_plugin_auth: z.boolean().default(false),
});
export type PluginFields = z.output<typeof pluginFields>;

export const listHooks = ["pre", "post_key_auth", "post", "response"] as const;
export type ListHook = (typeof listHooks)[number];

export const pluginHonours = [
  ...listHooks.flatMap((hook) => ["name", "path", "disabled", "require_session", "raw_body_only"].map((field) => `custom_middleware.${hook}.*.${field}`)),
  ...["name", "path", "disabled", "require_session", "raw_body_only"].map((field) => `custom_middleware.auth_check.${field}`),
  "custom_middleware.driver",
  "custom_plugin_auth_enabled",
  "enable_coprocess_auth",
  "use_go_plugin_auth",
  "config_data",
  "config_data_disabled",
];

/** What plugins receive as `configData`: Tyk hides it when `config_data_disabled`. */
export function configDataOf(fields: PluginFields): Readonly<Record<string, unknown>> {
  return Object.freeze(fields.config_data_disabled ? {} : { ...(fields.config_data ?? {}) });
}

/** Tyk turns custom auth on with any of these switches (not for keyless APIs, which run no auth). */
export function customAuthEnabled(fields: PluginFields): boolean {
  return !fields.use_keyless && (fields.custom_plugin_auth_enabled || fields.enable_coprocess_auth || fields.use_go_plugin_auth);
}

/** The enabled entries of one list hook. */
export function enabledEntries(fields: PluginFields, hook: ListHook): z.output<typeof hookEntry>[] {
  return (fields.custom_middleware?.[hook] ?? []).filter((entry) => !entry.disabled);
}

/** The plugin `name` names, if it has the hook; else why not. */
export function resolvePlugin(registry: PluginRegistry, name: string, hook: HookName): { plugin: Plugin } | { problem: string } {
  if (name === "") return { problem: `a ${hook} hook has no name` };
  const plugin = Object.hasOwn(registry, name) ? registry[name] : undefined;
  if (!plugin) return { problem: `plugin "${name}" is not registered in src/plugins/index.ts` };
  if (!plugin[hook]) return { problem: `plugin "${name}" has no ${hook} hook` };
  return { plugin };
}

function notServed(field: string, problem: string): FieldWarning {
  return { field, message: `${problem}; the API is not served while it is set`, security: true };
}

/** Every named plugin that cannot run: the API is then not served (it could skip a check the plugin makes). */
export function pluginProblems(registry: PluginRegistry, fields: PluginFields): FieldWarning[] {
  const warnings: FieldWarning[] = [];
  for (const hook of listHooks) {
    enabledEntries(fields, hook).forEach((entry) => {
      const resolved = resolvePlugin(registry, entry.name, hook);
      if ("problem" in resolved) warnings.push(notServed(`custom_middleware.${hook}.${entry.name || "(no name)"}`, resolved.problem));
    });
  }
  if (customAuthEnabled(fields)) {
    const entry = fields.custom_middleware?.auth_check;
    const resolved =
      entry && !entry.disabled
        ? resolvePlugin(registry, entry.name, "auth_check")
        : { problem: "custom auth is on but custom_middleware.auth_check names no plugin" };
    if ("problem" in resolved) warnings.push(notServed(`custom_middleware.auth_check.${entry?.name || "(no name)"}`, resolved.problem));
  }
  return warnings;
}
