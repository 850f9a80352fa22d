import * as z from "zod";
import { authConfigSchema, defaultAuthConfig, type AuthConfig } from "../auth/credentials";
import { defineFeature } from "../chain/feature";

/*
 * Tyk's StripAuth (`strip_auth_data`): the credential a client presented is
 * removed before the request goes upstream, from every place an auth config of
 * the API reads one (header, query parameter, cookie), so the upstream never
 * sees gateway keys.
 */

const fields = z.looseObject({
  strip_auth_data: z.boolean().default(false),
  auth: authConfigSchema.default(defaultAuthConfig),
  auth_configs: z.record(z.string(), authConfigSchema).default({}),
});

interface StripOptions {
  headers: string[];
  params: string[];
  cookies: string[];
}

function compileStrip(configs: AuthConfig[]): StripOptions {
  const headers = new Set<string>();
  const params = new Set<string>();
  const cookies = new Set<string>();
  for (const config of configs) {
    const name = config.auth_header_name || "Authorization";
    if (!config.disable_header) headers.add(name.toLowerCase());
    if (config.use_param) params.add(config.param_name || name);
    if (config.use_cookie) cookies.add(config.cookie_name || name);
  }
  return { headers: [...headers], params: [...params], cookies: [...cookies] };
}

function withoutCookies(header: string, names: string[]): string {
  return header
    .split(";")
    .filter((part) => !names.includes(part.slice(0, part.indexOf("=")).trim()))
    .join(";")
    .trim();
}

export const stripAuthData = defineFeature({
  name: "StripAuth",
  fields,
  honours: ["strip_auth_data"],
  compile: (definition, api) => {
    if (!definition.strip_auth_data || api.keyless) return undefined;
    // Tyk fills `auth_configs.authToken` from the legacy `auth` block when it is missing.
    const configs = { authToken: definition.auth, ...definition.auth_configs };
    return compileStrip(Object.values(configs));
  },
  step: (options) => async (ctx, next) => {
    const headers = ctx.upstreamHeaders;
    for (const name of options.headers) headers.delete(name);
    if (options.params.length > 0 && ctx.upstreamQuery) {
      const query = new URLSearchParams(ctx.upstreamQuery);
      for (const name of options.params) query.delete(name);
      const rest = query.toString();
      ctx.upstreamQuery = rest ? `?${rest}` : "";
    }
    const cookie = headers.get("cookie");
    if (options.cookies.length > 0 && cookie) {
      const rest = withoutCookies(cookie, options.cookies);
      if (rest) headers.set("cookie", rest);
      else headers.delete("cookie");
    }
    return next();
  },
});
