import * as z from "zod";
import { regexProblem } from "../lib/regex-safety";
import { listenPathError, pathPatternError } from "./paths";

/*
 * The core of Tyk's classic API definition: identity, routing, upstream and
 * versions, which every API has. Each feature owns the zod fragment of the
 * fields it reads (src/features/*); a definition is valid when the core and
 * every fragment parse. Objects are loose, so fields nothing reads are kept and
 * a definition round-trips through the Gateway API unchanged. Defaults follow
 * Tyk's zero values.
 */

export const headerMap = z.record(z.string(), z.string());

/** Tyk lists are `null` as often as `[]` in exported definitions. */
export const list = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullable()
    .default([])
    .transform((value) => value ?? []);

/** Why a definition's regex cannot be used (it does not compile, or could backtrack beyond linear time: src/lib/regex-safety.ts), or null. */
export function regexError(source: string): string | null {
  return regexProblem(source);
}

/** A regular expression that must compile and pass the safety check. */
export const regexSource = z.string().superRefine((source, ctx) => {
  const error = regexError(source);
  if (error) ctx.addIssue({ code: "custom", message: error });
});

/** An endpoint path: a Tyk path pattern that must compile and pass the safety check. */
export const pathPattern = z.string().superRefine((path, ctx) => {
  const error = pathPatternError(path);
  if (error) ctx.addIssue({ code: "custom", message: error });
});

const upstreamSchemes = new Set(["http:", "https:"]);

/**
 * Why `url` cannot be an upstream, or null. Workers fetch only over HTTP(S);
 * refusing other schemes at write time keeps `file:`, `data:`, `javascript:`
 * and the like out of the store instead of failing on the first request.
 */
export function upstreamUrlError(url: string): string | null {
  if (!URL.canParse(url)) return "must be an absolute URL";
  return upstreamSchemes.has(new URL(url).protocol) ? null : "must be an http or https URL";
}

const upstreamUrl = z.string().superRefine((url, ctx) => {
  const error = upstreamUrlError(url);
  if (error) ctx.addIssue({ code: "custom", message: error });
});

const versionSchema = z.looseObject({
  name: z.string().default(""),
  expires: z.string().default(""),
  use_extended_paths: z.boolean().default(true),
  override_target: z
    .string()
    .default("")
    .superRefine((url, ctx) => {
      const error = url === "" ? null : upstreamUrlError(url);
      if (error) ctx.addIssue({ code: "custom", message: error });
    }),
});

export const proxySchema = z
  .looseObject({
    listen_path: z
      .string()
      .startsWith("/", "must start with /")
      .superRefine((path, ctx) => {
        const error = listenPathError(path);
        if (error) ctx.addIssue({ code: "custom", message: error });
      }),
    target_url: z.string().default(""),
    strip_listen_path: z.boolean().default(false),
    preserve_host_header: z.boolean().default(false),
    enable_load_balancing: z.boolean().default(false),
    target_list: z.array(upstreamUrl).default([]),
  })
  .superRefine((proxy, ctx) => {
    // With load balancing the targets come from target_list, and target_url may be left empty.
    const balanced = proxy.enable_load_balancing && proxy.target_list.length > 0;
    const error = balanced && proxy.target_url === "" ? null : upstreamUrlError(proxy.target_url);
    if (error) ctx.addIssue({ code: "custom", path: ["target_url"], message: error });
  });

export const coreDefinitionSchema = z.looseObject({
  api_id: z
    .string()
    .min(1, "must not be empty")
    .regex(/^[^/?#\s]+$/, "must not contain '/', '?', '#' or spaces"),
  name: z.string().default(""),
  org_id: z.string().default(""),
  active: z.boolean().default(true),
  domain: z.string().default(""),
  domain_disabled: z.boolean().default(false),
  expiration: z.string().default(""),
  use_keyless: z.boolean().default(false),
  proxy: proxySchema,
  tags: list(z.string()),
  /** Seconds a key written for this API lives in the store; 0 = no limit (read by the Gateway API). */
  session_lifetime: z.number().int().default(0),
  session_lifetime_respects_key_expiration: z.boolean().default(false),
  definition: z
    .looseObject({
      // Tyk writes "" for the default location.
      location: z
        .enum(["header", "url-param", "url", ""])
        .default("header")
        .transform((location) => location || "header"),
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
      versions: z.record(z.string(), versionSchema).default({}),
    })
    .refine((data) => data.not_versioned || Object.keys(data.versions).length > 0, {
      path: ["versions"],
      message: "a versioned API needs at least one version",
    })
    .default({ not_versioned: true, default_version: "", versions: {} }),
});

export type CoreDefinition = z.output<typeof coreDefinitionSchema>;

/** The core fields, for the honoured-fields manifest. */
export const coreHonours = [
  "api_id",
  "name",
  "org_id",
  "active",
  "domain",
  "domain_disabled",
  "expiration",
  "use_keyless",
  "tags",
  "session_lifetime",
  "session_lifetime_respects_key_expiration",
  "proxy.listen_path",
  "proxy.target_url",
  "proxy.strip_listen_path",
  "proxy.preserve_host_header",
  "proxy.enable_load_balancing",
  "proxy.target_list",
  "definition.location",
  "definition.key",
  "definition.strip_path",
  "definition.strip_versioning_data",
  "version_data.not_versioned",
  "version_data.default_version",
  "version_data.versions.*.name",
  "version_data.versions.*.expires",
  "version_data.versions.*.use_extended_paths",
  "version_data.versions.*.override_target",
] as const;

/**
 * The fragment of a feature whose fields sit in each version's
 * `extended_paths` (`shape`) and, optionally, on the version itself.
 */
export function perVersionFragment<Paths extends z.ZodRawShape, Version extends z.ZodRawShape = Record<never, never>>(paths: Paths, version?: Version) {
  const extendedPaths = z.looseObject(paths);
  const versionFragment = z.looseObject({
    use_extended_paths: z.boolean().default(true),
    // Every field of a fragment has a default, so an absent `extended_paths` parses as an empty one.
    extended_paths: extendedPaths.prefault({} as z.input<typeof extendedPaths>),
    ...(version ?? ({} as Version)),
  });
  return z.looseObject({
    version_data: z.looseObject({ versions: z.record(z.string(), versionFragment).default({}) }).prefault({}),
  });
}

/**
 * Compiles a per-version fragment into a map by version name, keeping the
 * versions for which `compile` returns something. A feature whose fields sit
 * in `extended_paths` checks `use_extended_paths` itself, as Tyk ignores them
 * when it is false.
 */
export function compileVersions<V, T>(
  fragment: { version_data: { versions: Record<string, V> } },
  compile: (version: V, name: string) => T | undefined,
): Map<string, T> {
  const compiled = new Map<string, T>();
  for (const [name, version] of Object.entries(fragment.version_data.versions)) {
    const result = compile(version, name);
    if (result !== undefined) compiled.set(name, result);
  }
  return compiled;
}
