import * as z from "zod";
import type { CoreApi } from "../apidef/compile";
import { compileListenPath } from "../apidef/paths";
import { regexSource } from "../apidef/schema";
import type { FieldWarning } from "../apidef/manifest";
import { RequestContext } from "../chain/context";
import { defineFeature } from "../chain/feature";
import type { ServedApi } from "../chain/served-api";
import { errorResponse } from "../chain/step";
import { TykError } from "../lib/tyk-error";
import { decideVersion, requestedVersion, type RequestedVersion, type VersionDecision, type VersionRouting } from "../oas/versioning";

/*
 * Versioning with separate APIs (Tyk OAS `info.versioning`, classic
 * `definition.enabled` + `definition.versions`): a request to the base API
 * that names another version is served by that version's API, with that
 * API's whole chain (its auth, limits, upstream, analytics), as Tyk's
 * VersionCheck hands the request to the version's handler.
 *
 * Two steps, because the hand-over and the refusals sit at different places:
 * - VersionDispatch runs first, before the base's analytics, so a request a
 *   version serves is recorded once, under the version's API id (Tyk's base
 *   chain stops without a record). It finds the version's API in the snapshot
 *   being served, by id (or name, as Tyk's lookup does).
 * - VersionRefusal sits at VersionCheck's place, inside the base's analytics and
 *   error overrides, and answers what the base refuses (no version, an unknown
 *   one) with Tyk's errors, recorded under the base as Tyk records them.
 * An internal API (`internal`, `info.state.internal`) has no route of its own
 * (src/compile.ts) and is reached only through here.
 */

const fields = z.looseObject({
  definition: z
    .looseObject({
      enabled: z.boolean().default(false),
      name: z.string().default(""),
      default: z.string().default(""),
      versions: z.record(z.string(), z.string()).nullable().default(null),
      fallback_to_default: z.boolean().default(false),
      url_versioning_pattern: z.union([z.literal(""), regexSource]).default(""),
      strip_versioning_data: z.boolean().default(false),
      strip_path: z.boolean().default(false),
      location: z.string().default(""),
    })
    .prefault({}),
  version_data: z
    .looseObject({ not_versioned: z.boolean().default(false) })
    .nullable()
    .default(null),
});

type Fields = z.output<typeof fields>;

const honours = [
  "internal",
  "definition.enabled",
  "definition.name",
  "definition.default",
  "definition.versions",
  "definition.fallback_to_default",
  "definition.url_versioning_pattern",
];

function compileRouting({ definition }: Fields, api: CoreApi): VersionRouting | undefined {
  if (!definition.enabled) return undefined;
  return {
    name: definition.name,
    defaultVersion: definition.default,
    location: api.versioning.location,
    key: api.versioning.key,
    versions: new Map(Object.entries(definition.versions ?? {})),
    fallbackToDefault: definition.fallback_to_default,
    strip: definition.strip_versioning_data || definition.strip_path,
    urlPattern: definition.url_versioning_pattern ? new RegExp(definition.url_versioning_pattern) : null,
  };
}

/**
 * Without `definition.enabled` these fields belong to `version_data` versioning, where this gateway does
 * not act on them: reported as the manifest reported them before (Tyk reads them whenever the API is versioned).
 */
function reportClassicOnly({ definition, version_data }: Fields): FieldWarning[] {
  if (definition.enabled || version_data?.not_versioned === true) return [];
  const warnings: FieldWarning[] = [];
  if (definition.fallback_to_default) {
    warnings.push({ field: "definition.fallback_to_default", message: "Fallback to the default version is not supported; it is ignored", security: false });
  }
  if (definition.location === "url" && definition.url_versioning_pattern && (definition.strip_versioning_data || definition.strip_path)) {
    warnings.push({ field: "definition.url_versioning_pattern", message: "URL versioning pattern is not supported; it is ignored", security: false });
  }
  return warnings;
}

interface LoadedApi {
  api: ServedApi;
  matchListenPath: (path: string) => number;
}

/** The snapshot's APIs by id, then by name (Tyk finds a version's API by either), built once per snapshot. */
const loadedBySnapshot = new WeakMap<object, Map<string, LoadedApi>>();

async function loadedApis(ctx: RequestContext): Promise<Map<string, LoadedApi>> {
  const { routes } = await ctx.gateway.configCache.current(ctx.waitUntil);
  let loaded = loadedBySnapshot.get(routes);
  if (!loaded) {
    loaded = new Map();
    // Internal APIs do not route, so each keeps a matcher of its own listen path for the requests handed to it.
    const entries = routes.all().map((api) => ({ api, matchListenPath: compileListenPath(api.listenPath) }));
    for (const entry of entries) loaded.set(entry.api.id, entry);
    for (const entry of entries) if (!loaded.has(entry.api.name)) loaded.set(entry.api.name, entry);
    loadedBySnapshot.set(routes, loaded);
  }
  return loaded;
}

async function decide(
  routing: VersionRouting,
  ctx: RequestContext,
): Promise<{ decision: VersionDecision; requested: RequestedVersion; loaded: Map<string, LoadedApi> }> {
  // The request as it arrived: the refusal step must not read a path the dispatch step already stripped.
  const below = ctx.url.pathname.slice(ctx.listenPrefix.length) || "/";
  const requested = requestedVersion(routing, ctx.request.headers, ctx.url.searchParams, below);
  const loaded = await loadedApis(ctx);
  return { decision: decideVersion(routing, requested.name, (apiId) => loaded.has(apiId)), requested, loaded };
}

/** What VersionDispatch decided for a request the base goes on with, for VersionRefusal further down the same chain. */
const decided = new WeakMap<RequestContext, VersionDecision>();

/**
 * Requests already handed to a version's API: that API serves them as itself, even when it is versioned
 * too, so versions that name each other (or the base) cannot pass a request around forever.
 */
const handedOver = new WeakSet<Request>();

/**
 * The request as Tyk hands it to the version's API: version data stripped, and the base's listen path too when
 * the base strips it. The URL and the request are copied only when they change (no step reads `request.url`).
 */
function versionContext(ctx: RequestContext, base: CoreApi, routing: VersionRouting, requested: RequestedVersion, target: LoadedApi): RequestContext {
  const pathname = base.stripListenPath ? requested.path : ctx.listenPrefix + requested.path;
  let url = ctx.url;
  if (pathname !== url.pathname || requested.dropQueryParam) {
    url = new URL(ctx.url);
    url.pathname = pathname;
    if (requested.dropQueryParam) url.searchParams.delete(routing.key);
  }
  let request = ctx.request;
  if (requested.dropHeader) {
    request = new Request(url, ctx.request);
    request.headers.delete(routing.key);
  }
  handedOver.add(request);
  const listenPathLength = Math.max(target.matchListenPath(url.pathname), 0);
  return new RequestContext(request, url, ctx.gateway, target.api, listenPathLength, ctx.waitUntil);
}

/** The base serves the request itself: what it sends upstream loses the version data as well. */
function stripForBase(ctx: RequestContext, base: CoreApi, routing: VersionRouting, requested: RequestedVersion): void {
  if (requested.dropHeader) ctx.upstreamHeaders.delete(routing.key);
  if (requested.dropQueryParam) {
    const query = new URLSearchParams(ctx.upstreamQuery);
    query.delete(routing.key);
    ctx.upstreamQuery = query.size > 0 ? `?${query}` : "";
  }
  // With `version_data` versioning on as well, the version check strips the URL segment itself.
  if (!base.versioning.enabled) ctx.apiPath = requested.path;
}

export const versionDispatch = defineFeature({
  name: "VersionDispatch",
  fields,
  honours,
  report: reportClassicOnly,
  compile: compileRouting,
  step: (routing, base) => async (ctx, next) => {
    if (handedOver.has(ctx.request)) return next();
    const { decision, requested, loaded } = await decide(routing, ctx);
    if (decision.serve !== "version") {
      decided.set(ctx, decision);
      if (decision.serve === "base") stripForBase(ctx, base, routing, requested);
      return next();
    }
    const target = loaded.get(decision.apiId)!;
    const handed = versionContext(ctx, base, routing, requested, target);
    try {
      return await target.api.handle(handed);
    } catch (error) {
      return errorResponse(handed, error);
    }
  },
});

export const versionRefusal = defineFeature({
  name: "VersionRefusal",
  fields,
  honours,
  compile: compileRouting,
  step: (routing) => async (ctx, next) => {
    if (handedOver.has(ctx.request)) return next();
    const decision = decided.get(ctx) ?? (await decide(routing, ctx)).decision;
    if (decision.serve === "refusal") throw new TykError(decision.status, decision.message);
    return next();
  },
});
