import { createMiddleware } from "hono/factory";
import type { CompiledApi, CompiledVersion } from "../apidef/compile";
import { messages, TykError } from "../errors";
import type { GatewayEnv } from "../types";

function versionName(api: CompiledApi, request: Request, url: URL, apiPath: string): { name: string; apiPath: string } {
  const { location, key, stripVersion } = api.versioning;
  if (location === "header") return { name: request.headers.get(key) ?? "", apiPath };
  if (location === "url-param") return { name: url.searchParams.get(key) ?? "", apiPath };
  const [, name = "", ...rest] = apiPath.split("/");
  return { name, apiPath: stripVersion && name ? `/${rest.join("/")}` : apiPath };
}

function resolveVersion(api: CompiledApi, request: Request, url: URL, apiPath: string): { version: CompiledVersion; apiPath: string } {
  if (!api.versioning.enabled) {
    const version = api.versions.get("Default") ?? api.versions.values().next().value;
    if (!version) throw new TykError(403, messages.versionDoesNotExist);
    return { version, apiPath };
  }
  const requested = versionName(api, request, url, apiPath);
  const name = requested.name || api.versioning.defaultVersion;
  if (!name) throw new TykError(403, messages.versionNotFound);
  const version = api.versions.get(name);
  if (!version) throw new TykError(403, messages.versionDoesNotExist);
  return { version, apiPath: requested.apiPath };
}

/**
 * Tyk's VersionCheck: API and version expiry, then the version's endpoint
 * lists. Ignored, black-listed and white-listed entries are checked in that
 * order and the first match decides; a `reply` method action answers here,
 * before authentication, as Tyk does.
 */
export const checkVersion = createMiddleware<GatewayEnv>(async (c, next) => {
  const api = c.get("api");
  const now = Date.now();
  if (api.expiresAt !== null && now > api.expiresAt) throw new TykError(403, messages.apiExpired);
  const { version, apiPath } = resolveVersion(api, c.req.raw, c.get("url"), c.get("apiPath"));
  if (version.expiresAt !== null && now > version.expiresAt) throw new TykError(403, messages.versionExpired);
  c.set("version", version);
  c.set("apiPath", apiPath);

  const method = c.req.method;
  let ignored = false;
  let allowed = !version.whiteListEnabled;
  for (const rule of version.endpointRules) {
    if ((rule.methods && !rule.methods.has(method)) || !rule.pattern.test(apiPath)) continue;
    const action = rule.actions[method];
    if (action?.action === "reply") return new Response(action.data, { status: action.code, headers: action.headers });
    if (rule.kind === "black_list") throw new TykError(403, messages.endpointForbidden);
    ignored = rule.kind === "ignored";
    allowed = true;
    break;
  }
  if (!allowed) throw new TykError(403, messages.endpointForbidden);
  c.set("ignoredPath", ignored);
  await next();
});
