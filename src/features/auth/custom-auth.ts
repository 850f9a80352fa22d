import type { RequestContext } from "../../chain/context";
import type { Identity } from "../../chain/identity";
import { messages, TykError } from "../../lib/tyk-error";
import { plugins } from "../../plugins";
import { authResultSchema, isAnswer, type AuthHook, type PluginRegistry } from "../../plugins/api";
import { sessionSchema } from "../../session/schema";
import { pluginContext } from "../plugin-hooks/context";
import { configDataOf, customAuthEnabled, resolvePlugin, type PluginFields } from "../plugin-hooks/fields";
import { answerResponse, callPlugin } from "../plugin-hooks/run";
import type { Authenticator } from "./options";

/*
 * Tyk's custom auth (`custom_plugin_auth_enabled` / `enable_coprocess_auth` /
 * `use_go_plugin_auth` + `custom_middleware.auth_check`): the registered
 * plugin's auth_check hook decides who the caller is. It returns a key and a
 * session, which then go through policies, expiry, access rights, rate limits
 * and quotas like any key's (counted under the key); or it refuses with its
 * own answer. The session is not written to the key store.
 */

export interface CustomAuthOptions {
  name: string;
  hook: AuthHook;
  configData: Readonly<Record<string, unknown>>;
  maxBodyBytes: number;
}

/** A plugin's refusal: the auth step answers with it. */
export class PluginRefusal extends Error {
  override name = "PluginRefusal";

  constructor(readonly response: Response) {
    super("refused by an auth_check plugin");
  }
}

/** The auth_check hook to run, or null when custom auth is off or its plugin cannot be found (the API is then not served). */
export function compileCustomAuth(fields: PluginFields, maxBodyBytes: number, registry: PluginRegistry = plugins): CustomAuthOptions | null {
  const entry = fields.custom_middleware?.auth_check;
  if (!customAuthEnabled(fields) || !entry || entry.disabled) return null;
  const resolved = resolvePlugin(registry, entry.name, "auth_check");
  if (!("plugin" in resolved) || !resolved.plugin.auth_check) return null;
  return { name: entry.name, hook: resolved.plugin.auth_check, configData: configDataOf(fields), maxBodyBytes };
}

async function identityFrom(ctx: RequestContext, options: CustomAuthOptions): Promise<Identity> {
  const call = pluginContext(ctx, options.configData, options.maxBodyBytes, options.name);
  const result = await callPlugin(ctx, options.name, "auth_check", () => options.hook(call.context));
  call.commit();
  if (isAnswer(result)) throw new PluginRefusal(answerResponse(result));
  const parsed = authResultSchema.safeParse(result);
  const session = parsed.success ? sessionSchema.safeParse({ org_id: ctx.api.orgId, ...parsed.data.session }) : undefined;
  if (!parsed.success || !session?.success) {
    const issues = parsed.success ? session?.error?.issues : parsed.error.issues;
    ctx.log.error("plugin failed", { plugin: options.name, hook: "auth_check", error: "it returned no valid key and session", issues });
    throw new TykError(500, messages.pluginFailed);
  }
  return { session: session.data, sessionId: parsed.data.key };
}

export const authenticateCustom: Authenticator = (ctx, options) => {
  // compileCustomAuth left it null only when the API is not served, so this is never reached on a served API.
  if (!options.customAuth) return Promise.reject(new TykError(500, messages.pluginFailed));
  return identityFrom(ctx, options.customAuth);
};
