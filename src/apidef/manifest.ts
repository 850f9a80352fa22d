import { inertFields, unsupportedFeatures, type FieldPattern, type UnsupportedFeature } from "./catalogue";
import { at, isSet } from "./raw-json";

/*
 * The honoured-fields manifest. Every field an API definition sets (anything
 * but Go's zero value) must be acted on by the core or a feature, be a field
 * with no runtime effect, or be reported. A reported field whose feature
 * restricts who may call the API (see catalogue.ts) stops the API from being
 * served, so a definition never silently loses a protection.
 */

export interface FieldWarning {
  /** Dotted path of the field, or the switch of an unsupported feature. */
  field: string;
  message: string;
  /** The API is not served while this field is set. */
  security: boolean;
}

type Segments = readonly string[];

const split = (pattern: FieldPattern): Segments => pattern.split(".");

/** The pattern covers the path: the path is the pattern's field or lies below it. */
function covers(pattern: Segments, path: Segments): boolean {
  if (pattern.length > path.length) return false;
  return pattern.every((segment, index) => segment === "*" || segment === path[index]);
}

/** Some field the pattern names lies below this path. */
function leadsTo(pattern: Segments, path: Segments): boolean {
  if (pattern.length <= path.length) return false;
  return path.every((segment, index) => pattern[index] === "*" || pattern[index] === segment);
}

const unsupported = unsupportedFeatures.map((feature) => ({ feature, patterns: feature.fields.map(split) }));
const inert = inertFields.map((entry) => split(entry.field));

/** A predicate that throws on a definition shape nobody foresaw counts as active: failing closed. */
function isActive(feature: UnsupportedFeature, definition: Record<string, unknown>): boolean {
  try {
    return feature.active ? feature.active(definition) : true;
  } catch {
    return true;
  }
}

/** Names the feature's switch when the definition sets it, else the field that made the feature active. */
function warningFor(feature: UnsupportedFeature, pattern: Segments, definition: Record<string, unknown>): FieldWarning {
  const field = isSet(at(definition, feature.switch)) ? feature.switch : pattern.join(".");
  const consequence = feature.security ? "; the API is not served while it is set" : "; it is ignored";
  return { field, message: `${feature.name} is not supported${consequence}`, security: feature.security };
}

export class Manifest {
  private readonly honoured: Segments[];
  /** Every pattern anything knows, to tell an unknown field from the parent of a known one. */
  private readonly known: Segments[];

  constructor(honoured: readonly FieldPattern[]) {
    this.honoured = honoured.map(split);
    this.known = [...this.honoured, ...inert, ...unsupported.flatMap(({ patterns }) => patterns)];
  }

  /** The set fields of a raw definition that nothing honours, one warning per feature or unknown field. */
  check(definition: Record<string, unknown>): FieldWarning[] {
    const warnings = new Map<string, FieldWarning>();
    const visit = (value: unknown, path: string[]): void => {
      if (!isSet(value)) return;
      if (this.honoured.some((pattern) => covers(pattern, path))) return;
      for (const { feature, patterns } of unsupported) {
        const pattern = patterns.find((candidate) => covers(candidate, path));
        if (!pattern) continue;
        if (isActive(feature, definition) && !warnings.has(feature.name)) warnings.set(feature.name, warningFor(feature, pattern, definition));
        return;
      }
      if (inert.some((pattern) => covers(pattern, path))) return;
      if (typeof value !== "object" || !this.known.some((pattern) => leadsTo(pattern, path))) {
        const field = path.join(".");
        warnings.set(field, { field, message: "is not a field this gateway knows; it is ignored", security: false });
        return;
      }
      for (const [key, child] of Object.entries(value as Record<string, unknown>)) visit(child, [...path, key]);
    };
    for (const [key, value] of Object.entries(definition)) visit(value, [key]);
    return [...warnings.values()];
  }
}

/** "allowed_ips: IP allow list is not supported; the API is not served while it is set" */
export function describeWarning(warning: FieldWarning): string {
  return `${warning.field}: ${warning.message}`;
}
