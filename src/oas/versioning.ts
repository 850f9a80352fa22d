import { messages } from "../lib/tyk-error";
import { isOasDocument } from "./document";
import type * as z from "zod";
import type { versioningSchema } from "./schema-extension";

/*
 * Versioning with separate APIs (Tyk OAS `info.versioning`, stored by Tyk in
 * the classic `definition` object). The base API lists its versions by name,
 * each one the id of another API; a request names a version in a header, a
 * query parameter or the first path segment, and the API that version names
 * serves it with its whole chain. This module holds the pure parts: the
 * classic mapping, which version a request names (and what stripping the
 * version data leaves of it), and the decision Tyk's VersionCheck takes
 * (gateway/mw_version_check.go): the base itself, another API, or a refusal.
 */

type OasVersioning = z.infer<typeof versioningSchema>;

/** The version name that always means the base API itself. */
export const selfVersion = "self";

export interface VersionRouting {
  /** The base's own version name. */
  name: string;
  /** Used when the request names no version. */
  defaultVersion: string;
  location: "header" | "url-param" | "url";
  key: string;
  /** Version name → the id (or name) of the API that serves it. */
  versions: ReadonlyMap<string, string>;
  fallbackToDefault: boolean;
  strip: boolean;
  /** With URL versioning, the first segment is only stripped when it matches; null: always. */
  urlPattern: RegExp | null;
}

/** The version a request names, and the request's parts once the version data is stripped (when configured). */
export interface RequestedVersion {
  name: string;
  /** The path below the listen path. */
  path: string;
  dropHeader: boolean;
  dropQueryParam: boolean;
}

export type VersionDecision = { serve: "base" } | { serve: "version"; apiId: string } | { serve: "refusal"; status: 403 | 404 | 500; message: string };

/** Tyk's classic form of `info.versioning` (apidef/oas: the `definition` object). */
export function versioningToClassic(versioning: OasVersioning): Record<string, unknown> {
  return {
    enabled: versioning.enabled ?? false,
    name: versioning.name ?? "",
    default: versioning.default ?? "",
    location: versioning.location,
    key: versioning.key ?? "",
    versions: Object.fromEntries((versioning.versions ?? []).map((version) => [version.name, version.id])),
    strip_versioning_data: versioning.stripVersioningData ?? false,
    fallback_to_default: versioning.fallbackToDefault ?? false,
    url_versioning_pattern: versioning.urlVersioningPattern ?? "",
  };
}

/** Reads the version the way Tyk's getVersionFromRequest does; `path` is the path below the base's listen path. */
export function requestedVersion(routing: VersionRouting, headers: Headers, query: URLSearchParams, path: string): RequestedVersion {
  const unchanged = { path, dropHeader: false, dropQueryParam: false };
  if (routing.location === "header") return { ...unchanged, name: headers.get(routing.key) ?? "", dropHeader: routing.strip };
  if (routing.location === "url-param") return { ...unchanged, name: query.get(routing.key) ?? "", dropQueryParam: routing.strip };
  const name = path.split("/").find((segment) => segment !== "") ?? "";
  if (!name || !routing.strip || (routing.urlPattern && !routing.urlPattern.test(name))) return { ...unchanged, name };
  // Tyk removes "<version>/" once: a bare "/v2" with nothing after it keeps its segment.
  const at = path.indexOf(`${name}/`);
  return { ...unchanged, name, path: at < 0 ? path : path.slice(0, at) + path.slice(at + name.length + 1) };
}

/** Which API serves a request that names `requested` (empty: none); `loaded` says whether an API id (or name) is being served. */
export function decideVersion(routing: VersionRouting, requested: string, loaded: (apiId: string) => boolean): VersionDecision {
  const target = requested || routing.defaultVersion;
  const isBase = (name: string): boolean => name === selfVersion || name === routing.name;
  if (isBase(target)) return { serve: "base" };
  if (!target) return { serve: "refusal", status: 403, message: messages.versionNotFound };
  const apiId = routing.versions.get(target);
  if (apiId && loaded(apiId)) return { serve: "version", apiId };
  if (!routing.fallbackToDefault) return { serve: "refusal", status: 404, message: messages.versionDoesNotExist };
  if (isBase(routing.defaultVersion)) return { serve: "base" };
  // Tyk answers a fallback to a default it cannot find with a bare 500.
  const fallbackId = routing.versions.get(routing.defaultVersion);
  if (!fallbackId || !loaded(fallbackId)) return { serve: "refusal", status: 500, message: messages.internalServerError };
  return { serve: "version", apiId: fallbackId };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** An internal API (`internal`, or Tyk OAS `info.state.internal`) is served only through a base's versions, never on its own listen path. */
export function isInternalApi(raw: unknown): boolean {
  if (!isRecord(raw)) return false;
  if (!isOasDocument(raw)) return raw.internal === true;
  const info = (raw["x-tyk-api-gateway"] as Record<string, unknown>).info;
  const state = isRecord(info) ? info.state : undefined;
  return isRecord(state) && state.internal === true;
}

/** The API ids a stored definition's enabled versioning names, by version name (empty when it has none). */
export function versionTargets(raw: unknown): Map<string, string> {
  if (!isRecord(raw)) return new Map();
  const extension = isOasDocument(raw) ? (raw["x-tyk-api-gateway"] as Record<string, unknown>) : undefined;
  const info = extension && isRecord(extension.info) ? extension.info : undefined;
  if (extension) {
    const versioning = info && isRecord(info.versioning) ? info.versioning : undefined;
    if (versioning?.enabled !== true || !Array.isArray(versioning.versions)) return new Map();
    return new Map(versioning.versions.filter(isRecord).map((version) => [String(version.name), String(version.id)]));
  }
  const definition = isRecord(raw.definition) ? raw.definition : undefined;
  if (definition?.enabled !== true || !isRecord(definition.versions)) return new Map();
  return new Map(Object.entries(definition.versions).map(([name, id]) => [name, String(id)]));
}

/**
 * What is wrong with the versions the stored definitions name, for the load log: a version whose API is not
 * being served (requests for it get Tyk's 404), or a Tyk OAS base naming a classic API (Tyk's Dashboard
 * refuses that; the gateway, like Tyk's, serves it anyway). `served` holds the ids and names of the APIs served.
 */
export function versionTargetProblems(
  documents: ReadonlyMap<string, unknown>,
  served: ReadonlySet<string>,
): { apiId: string; version: string; problem: string }[] {
  const problems: { apiId: string; version: string; problem: string }[] = [];
  for (const [apiId, raw] of documents) {
    if (!served.has(apiId)) continue;
    for (const [version, target] of versionTargets(raw)) {
      if (!served.has(target)) problems.push({ apiId, version, problem: `names API ${JSON.stringify(target)}, which is not served` });
      else if (isOasDocument(raw) && documents.has(target) && !isOasDocument(documents.get(target)))
        problems.push({ apiId, version, problem: `names API ${JSON.stringify(target)}, a classic definition under a Tyk OAS base` });
    }
  }
  return problems;
}
