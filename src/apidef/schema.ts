import { z } from "zod";
import { pathPatternError } from "./paths";

/*
 * Tyk's classic API definition. Every object is loose: fields Portcullis does
 * not use yet are kept, so a definition round-trips through the Gateway API
 * unchanged. Defaults follow Tyk's zero values.
 */

const headerMap = z.record(z.string(), z.string());

export const methodActionSchema = z.looseObject({
  action: z.enum(["no_action", "reply"]).default("no_action"),
  code: z.number().int().min(100).max(599).default(200),
  data: z.string().default(""),
  headers: headerMap.default({}),
});

/** An entry of `white_list`, `black_list` or `ignored`. */
export const endpointMetaSchema = z.looseObject({
  path: z.string(),
  method: z.string().optional(),
  disabled: z.boolean().default(false),
  ignore_case: z.boolean().default(false),
  method_actions: z.record(z.string(), methodActionSchema).default({}),
});

export const urlRewriteSchema = z.looseObject({
  path: z.string(),
  method: z.string().default(""),
  disabled: z.boolean().default(false),
  match_pattern: z.string(),
  rewrite_to: z.string(),
});

export const extendedPathsSchema = z.looseObject({
  ignored: z.array(endpointMetaSchema).default([]),
  white_list: z.array(endpointMetaSchema).default([]),
  black_list: z.array(endpointMetaSchema).default([]),
  url_rewrites: z.array(urlRewriteSchema).default([]),
});

export const versionInfoSchema = z.looseObject({
  name: z.string().default(""),
  expires: z.string().default(""),
  use_extended_paths: z.boolean().default(true),
  extended_paths: extendedPathsSchema.default(() => extendedPathsSchema.parse({})),
  global_headers: headerMap.default({}),
  global_headers_remove: z.array(z.string()).default([]),
  global_headers_disabled: z.boolean().default(false),
  override_target: z.string().default(""),
});

export const authConfigSchema = z.looseObject({
  auth_header_name: z.string().default("Authorization"),
  use_param: z.boolean().default(false),
  param_name: z.string().default(""),
  use_cookie: z.boolean().default(false),
  cookie_name: z.string().default(""),
  disable_header: z.boolean().default(false),
});

export const proxySchema = z.looseObject({
  listen_path: z.string().startsWith("/", "must start with /"),
  target_url: z.string().default(""),
  strip_listen_path: z.boolean().default(false),
  preserve_host_header: z.boolean().default(false),
  enable_load_balancing: z.boolean().default(false),
  target_list: z.array(z.url()).default([]),
});

function regexError(source: string): string | null {
  try {
    new RegExp(source);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export const apiDefinitionSchema = z
  .looseObject({
    api_id: z.string().min(1, "must not be empty").regex(/^[^/?#\s]+$/, "must not contain '/', '?', '#' or spaces"),
    name: z.string().default(""),
    org_id: z.string().default(""),
    slug: z.string().default(""),
    active: z.boolean().default(true),
    domain: z.string().default(""),
    expiration: z.string().default(""),
    use_keyless: z.boolean().default(false),
    use_standard_auth: z.boolean().default(false),
    auth: authConfigSchema.default(() => authConfigSchema.parse({})),
    /** Newer per-method auth settings; `auth_configs.authToken` wins over `auth`. */
    auth_configs: z.record(z.string(), authConfigSchema).default({}),
    proxy: proxySchema,
    definition: z
      .looseObject({
        location: z.enum(["header", "url-param", "url"]).default("header"),
        key: z.string().default(""),
        strip_path: z.boolean().default(false),
        strip_versioning_data: z.boolean().default(false),
      })
      .default({ location: "header", key: "", strip_path: false, strip_versioning_data: false }),
    // An API without `version_data` is unversioned; one that has it is versioned unless it says
    // `not_versioned: true`, as in Tyk.
    version_data: z
      .looseObject({
        not_versioned: z.boolean().default(false),
        default_version: z.string().default(""),
        versions: z.record(z.string(), versionInfoSchema).default({}),
      })
      .default({ not_versioned: true, default_version: "", versions: {} }),
    tags: z.array(z.string()).default([]),
    CORS: z.looseObject({}).optional(),
  })
  .superRefine((def, ctx) => {
    const lb = def.proxy.enable_load_balancing && def.proxy.target_list.length > 0;
    if (!lb && !URL.canParse(def.proxy.target_url)) {
      ctx.addIssue({ code: "custom", path: ["proxy", "target_url"], message: "must be an absolute URL" });
    }
    for (const [name, version] of Object.entries(def.version_data.versions)) {
      const paths = version.extended_paths;
      for (const list of ["ignored", "white_list", "black_list", "url_rewrites"] as const) {
        paths[list].forEach((entry, index) => {
          const error = pathPatternError(entry.path);
          if (error) ctx.addIssue({ code: "custom", path: ["version_data", "versions", name, "extended_paths", list, index, "path"], message: error });
        });
      }
      paths.url_rewrites.forEach((entry, index) => {
        const error = regexError(entry.match_pattern);
        if (error) ctx.addIssue({ code: "custom", path: ["version_data", "versions", name, "extended_paths", "url_rewrites", index, "match_pattern"], message: error });
      });
    }
    if (!def.version_data.not_versioned && Object.keys(def.version_data.versions).length === 0) {
      ctx.addIssue({ code: "custom", path: ["version_data", "versions"], message: "a versioned API needs at least one version" });
    }
  });

export type ApiDefinition = z.output<typeof apiDefinitionSchema>;
export type VersionInfo = z.output<typeof versionInfoSchema>;
export type EndpointMeta = z.output<typeof endpointMetaSchema>;
export type MethodAction = z.output<typeof methodActionSchema>;
export type UrlRewrite = z.output<typeof urlRewriteSchema>;
export type AuthConfig = z.output<typeof authConfigSchema>;
