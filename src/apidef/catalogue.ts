/*
 * The part of Tyk's classic API definition that no Portcullis feature acts
 * on: features Portcullis does not implement (reported, and refused when they
 * restrict who may call the API) and fields that never change how a request
 * is handled. Together with the fields the features honour, this accounts for
 * every field of a definition (see manifest.ts).
 */
import { reportedFeatures } from "./catalogue-reported";
import { restrictingFeatures } from "./catalogue-unsupported";

/** A field pattern: dotted path into the raw JSON definition; `*` matches any one object key or array index; a pattern covers everything below it. */
export type FieldPattern = string;

export interface UnsupportedFeature {
  /** Tyk's name for the feature, e.g. "IP allow list". */
  name: string;
  /** Every field of the definition that belongs to this feature. */
  fields: FieldPattern[];
  /** True when the feature restricts who may call the API (auth methods, IP lists, mTLS, certificate pinning, internal-only APIs, custom plugins which may do auth): while it is active, the API is not served. */
  security: boolean;
  /** Whether Tyk would act on it for this definition (e.g. a non-empty `allowed_ips` unless access control is disabled). When inactive, its fields are ignored silently, as Tyk ignores them. Omit to mean "any of its fields is set". */
  active?: (definition: Record<string, unknown>) => boolean;
  /** The field named in the warning / error when active (the switch a user must turn off), e.g. "allowed_ips". */
  switch: string;
}

/** Security-relevant features first, so they are matched first where patterns meet. */
export const unsupportedFeatures: readonly UnsupportedFeature[] = [...restrictingFeatures, ...reportedFeatures];

export interface InertField {
  field: FieldPattern;
  /** Why it has no runtime effect in a gateway (one short phrase). */
  why: string;
}

/** Fields with no effect on how a request is handled (descriptive, Dashboard or storage bookkeeping). */
export const inertFields: readonly InertField[] = [
  { field: "id", why: "the Dashboard's database id" },
  // Read by the region filter (src/snapshot/regions.ts): a segmented gateway does not serve it; analytics tags ignore it.
  { field: "tags_disabled", why: "only decides which segmented gateway nodes load the API" },
  // When true it asks for what Portcullis always does: no OAuth client lookup from a JWT's client id claim.
  { field: "idp_client_id_mapping_disabled", why: "turns off a lookup Portcullis never makes" },
  // Fields of the Dashboard's record around a definition, found in Dashboard exports.
  { field: "api_model", why: "Dashboard record bookkeeping" },
  { field: "sort_by", why: "Dashboard record bookkeeping" },
  { field: "is_site", why: "Dashboard record bookkeeping" },
  { field: "hook_references", why: "Dashboard record bookkeeping" },
  { field: "user_owners", why: "Dashboard record bookkeeping" },
  { field: "user_group_owners", why: "Dashboard record bookkeeping" },
];
