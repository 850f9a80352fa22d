import * as z from "zod";
import type { FieldPattern } from "../apidef/catalogue";
import type { CoreApi } from "../apidef/compile";
import type { FieldWarning } from "../apidef/manifest";
import type { GatewayConfig } from "../config";
import type { Step } from "./step";

/**
 * What a Tyk feature is made of. `fields` is the zod fragment of the API
 * definition it reads; `honours` lists the field paths it acts on (the
 * honoured-fields manifest); `compile` runs once per config snapshot and
 * returns undefined when the API does not use the feature, which then has no
 * step in that API's chain; `step` is the middleware, given its compiled options.
 */
export interface FeatureSpec<Fields, Options> {
  /** Tyk's middleware name, as in gateway/api_loader.go. */
  name: string;
  fields?: z.ZodType<Fields>;
  honours: readonly FieldPattern[];
  /** Only watches requests (analytics): it also runs on APIs that are not served, so refusals are seen. */
  observer?: boolean;
  compile(fields: Fields, api: CoreApi, settings: GatewayConfig): Options | undefined;
  step(options: Options, api: CoreApi): Step;
  /** Values of honoured fields the feature cannot act on (a rewrite to `tyk://`), reported like unhonoured fields. */
  report?(fields: Fields): FieldWarning[];
}

export type FeatureBuild = { ok: true; step: Step | undefined; warnings: FieldWarning[] } | { ok: false; issues: readonly z.core.$ZodIssue[] };

/** A feature with its types sealed in, as the registry (src/pipeline.ts) holds it. */
export interface Feature {
  name: string;
  honours: readonly FieldPattern[];
  observer: boolean;
  /** Validates the feature's fields of one raw definition, for error reports when the core itself is invalid. */
  validate(definition: unknown): readonly z.core.$ZodIssue[];
  /** Validates the feature's fields of one raw definition and builds its step (undefined: not used by this API). */
  build(definition: unknown, api: CoreApi, settings: GatewayConfig): FeatureBuild;
}

export function defineFeature<Fields, Options>(spec: FeatureSpec<Fields, Options>): Feature {
  const fields = (spec.fields ?? z.unknown()) as z.ZodType<Fields>;
  return {
    name: spec.name,
    honours: spec.honours,
    observer: spec.observer ?? false,
    validate: (definition) => {
      const parsed = fields.safeParse(definition);
      return parsed.success ? [] : parsed.error.issues;
    },
    build(definition, api, settings) {
      const parsed = fields.safeParse(definition);
      if (!parsed.success) return { ok: false, issues: parsed.error.issues };
      const options = spec.compile(parsed.data, api, settings);
      const warnings = spec.report?.(parsed.data) ?? [];
      return { ok: true, step: options === undefined ? undefined : spec.step(options, api), warnings };
    },
  };
}
