import { describe, expect, it } from "vitest";
import { configDataOf, customAuthEnabled, pluginFields, pluginProblems, resolvePlugin } from "../../src/features/plugin-hooks/fields";
import { ResponseView } from "../../src/features/plugin-hooks/response-view";
import { definePlugin, type PluginRegistry } from "../../src/plugins/api";

/* The pure parts of plugin support: name resolution, the not-served report, config_data, the response view. */

const registry: PluginRegistry = {
  both: definePlugin({ pre: () => undefined, auth_check: () => ({ key: "k" }) }),
};

const parse = (definition: Record<string, unknown>) => pluginFields.parse(definition);

describe("plugin names", () => {
  it("resolves a registered plugin that has the hook, and says why not otherwise", () => {
    expect(resolvePlugin(registry, "both", "pre")).toEqual({ plugin: registry["both"] });
    expect(resolvePlugin(registry, "both", "post")).toEqual({ problem: 'plugin "both" has no post hook' });
    expect(resolvePlugin(registry, "other", "pre")).toEqual({ problem: 'plugin "other" is not registered in src/plugins/index.ts' });
    expect(resolvePlugin(registry, "", "pre")).toEqual({ problem: "a pre hook has no name" });
    // Names are the registry's own keys, never inherited object properties.
    expect(resolvePlugin(registry, "toString", "pre")).toHaveProperty("problem");
  });

  it("reports every enabled hook that cannot run, whatever the driver, and custom auth without a plugin", () => {
    const definition = parse({
      custom_middleware: { driver: "lua", pre: [{ name: "both" }, { name: "gone" }], post: [{ name: "gone", disabled: true }], response: [{ name: "both" }] },
      custom_plugin_auth_enabled: true,
    });
    expect(pluginProblems(registry, definition).map((warning) => warning.field)).toEqual([
      "custom_middleware.pre.gone",
      "custom_middleware.response.both",
      "custom_middleware.auth_check.(no name)",
    ]);
    expect(pluginProblems(registry, parse({ enable_coprocess_auth: true, custom_middleware: { auth_check: { name: "both" } } }))).toEqual([]);
    expect(pluginProblems(registry, parse({ custom_middleware: null }))).toEqual([]);
  });

  it("turns custom auth on by any of Tyk's three switches, never on a keyless API", () => {
    expect(customAuthEnabled(parse({ use_go_plugin_auth: true }))).toBe(true);
    expect(customAuthEnabled(parse({ enable_coprocess_auth: true, use_keyless: true }))).toBe(false);
    expect(customAuthEnabled(parse({}))).toBe(false);
  });

  it("hands plugins config_data unless config_data_disabled, frozen", () => {
    const data = configDataOf(parse({ config_data: { a: 1 } }));
    expect(data).toEqual({ a: 1 });
    expect(Object.isFrozen(data)).toBe(true);
    expect(configDataOf(parse({ config_data: { a: 1 }, config_data_disabled: true }))).toEqual({});
  });
});

describe("the response view", () => {
  it("passes an untouched answer through as it was", () => {
    const original = new Response("body", { status: 200, headers: { "x-a": "1" } });
    expect(new ResponseView(original, 100).result()).toBe(original);
  });

  it("rebuilds an answer whose body was replaced, dropping the upstream's length and encoding", async () => {
    const view = new ResponseView(new Response("abc", { headers: { "content-length": "3", "content-encoding": "identity" } }), 100);
    expect(await view.readBody()).toBe("abc");
    view.setBody("abcdef");
    const result = view.result();
    expect(result.headers.get("content-encoding")).toBeNull();
    expect(await result.text()).toBe("abcdef");
  });

  it("refuses to read an answer over the body limit", async () => {
    await expect(new ResponseView(new Response("x".repeat(101)), 100).readBody()).rejects.toThrow("over 100 bytes");
  });
});
