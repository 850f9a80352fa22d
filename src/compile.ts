import type * as z from "zod";
import { compileCore } from "./apidef/compile";
import { describeWarning, Manifest, type FieldWarning } from "./apidef/manifest";
import { coreDefinitionSchema, coreHonours } from "./apidef/schema";
import type { Feature } from "./chain/feature";
import type { ServedApi } from "./chain/served-api";
import { compose, type Step } from "./chain/step";
import type { GatewayConfig } from "./config";
import { isolateLogger } from "./lib/logger";
import { messages, TykError } from "./lib/tyk-error";
import { formatIssues, issueLines } from "./lib/validation";
import { classicForm, regionView } from "./oas/classic-form";
import { isInternalApi, versionTargetProblems } from "./oas/versioning";
import { pipeline } from "./pipeline";
import { servedInRegion } from "./snapshot/regions";

/*
 * From a stored API definition to a served API: the core and every feature
 * validate their fields, each feature the API uses adds its step to the API's
 * chain, and the manifest lists what the definition sets that nothing honours.
 */

export type CompileResult = { ok: true; api: ServedApi; active: boolean; warnings: FieldWarning[] } | { ok: false; error: string; issues: string[] };

const manifests = new WeakMap<readonly Feature[], Manifest>();

function manifestOf(features: readonly Feature[]): Manifest {
  let manifest = manifests.get(features);
  if (!manifest) {
    manifest = new Manifest([...coreHonours, ...features.flatMap((feature) => feature.honours)]);
    manifests.set(features, manifest);
  }
  return manifest;
}

interface ChainEntry {
  name: string;
  step: Step;
  observer: boolean;
}

/** The chain of an API that must not be served: only observers (analytics), then the refusal. */
function refusal(steps: ChainEntry[], notServed: string[]): ChainEntry[] {
  const refuse: Step = () => Promise.reject(new TykError(500, messages.notServed(notServed)));
  return [...steps.filter((entry) => entry.observer), { name: "NotServed", step: refuse, observer: false }];
}

function invalid(issues: readonly z.core.$ZodIssue[]): CompileResult {
  return { ok: false, error: formatIssues(issues), issues: issueLines(issues) };
}

/**
 * `features` is the pipeline; tests pass their own list to stop a chain early.
 * A Tyk OAS document is converted to its classic form first (src/oas/), then
 * compiled like any classic definition; what it sets that has no classic
 * mapping joins the manifest's warnings.
 */
export function compileDefinition(raw: unknown, config: GatewayConfig, features: readonly Feature[] = pipeline): CompileResult {
  const form = classicForm(raw);
  if (!form.ok) return { ok: false, error: form.error, issues: form.issues };
  return compileClassic(form.definition, config, features, form.warnings);
}

function compileClassic(raw: unknown, config: GatewayConfig, features: readonly Feature[], unmapped: readonly FieldWarning[]): CompileResult {
  const core = coreDefinitionSchema.safeParse(raw);
  if (!core.success) {
    return invalid([...core.error.issues, ...features.flatMap((feature) => feature.validate(raw))]);
  }
  const api = compileCore(core.data);
  const issues: z.core.$ZodIssue[] = [];
  const steps: ChainEntry[] = [];
  const reported: FieldWarning[] = [];
  for (const feature of features) {
    const built = feature.build(raw, api, config);
    if (!built.ok) {
      issues.push(...built.issues);
      continue;
    }
    if (built.step) steps.push({ step: built.step, observer: feature.observer, name: feature.name });
    reported.push(...built.warnings);
  }
  if (issues.length > 0) return invalid(issues);

  const warnings = [...manifestOf(features).check(raw as Record<string, unknown>), ...reported, ...unmapped];
  const notServed = warnings.filter((warning) => warning.security).map((warning) => warning.field);
  const chain = notServed.length > 0 ? refusal(steps, notServed) : steps;
  const handle = compose(chain.map((entry) => entry.step));
  return { ok: true, api: { ...api, handle, chain: chain.map((entry) => entry.name), warnings, notServed }, active: core.data.active, warnings };
}

/**
 * Compiles every stored definition this gateway's region serves for a snapshot. A bad or inactive
 * definition is skipped and a duplicate route refused (both logged), so one
 * never takes the others down; fields nothing honours are logged once here.
 */
export function compileStoredApis(documents: Map<string, unknown>, config: GatewayConfig, features: readonly Feature[] = pipeline): ServedApi[] {
  const served: ServedApi[] = [];
  const routes = new Set<string>();
  for (const [id, raw] of documents) {
    // A segmented gateway does not compile another region's APIs: they answer the plain 404.
    if (!servedInRegion(regionView(raw), config.region)) continue;
    const log = isolateLogger.with({ api_id: id });
    const result = compileDefinition(raw, config, features);
    if (!result.ok) {
      log.error("skipping invalid API definition", { error: result.error });
      continue;
    }
    if (!result.active) continue;
    const { api } = result;
    const internal = isInternalApi(raw);
    if (!internal && routes.has(api.route)) {
      log.error("skipping API with a duplicate domain + listen_path", { route: api.route });
      continue;
    }
    if (!internal) routes.add(api.route);
    if (api.notServed.length > 0) log.error("API is not served: it sets security-relevant fields this gateway does not honour", { fields: api.notServed });
    if (api.warnings.length > 0) log.warn("API definition sets fields this gateway does not honour", { warnings: api.warnings.map(describeWarning) });
    // An internal API has no route of its own: only a base API's versions hand requests to it (src/features/api-versions.ts).
    served.push(internal ? { ...api, matchListenPath: () => -1 } : api);
  }
  const loaded = new Set(served.flatMap((api) => [api.id, api.name]));
  for (const { apiId, version, problem } of versionTargetProblems(documents, loaded)) {
    isolateLogger.with({ api_id: apiId }).error(`API version ${JSON.stringify(version)} ${problem}`);
  }
  return served;
}
