import { policyIdsOf } from "../src/session/policies";
import { policySchema, sessionSchema } from "../src/session/schema";
import type { SeedDocument } from "./read";

/*
 * Keys and policies that name APIs or policies the seed directory does not
 * define. They may already be in the store (written through the Gateway API),
 * so these are warnings; `--strict` makes them errors. Each names the file and
 * the field.
 */

interface Defined {
  apis: ReadonlySet<string>;
  policies: ReadonlySet<string>;
}

const missingApi = (file: string, field: string, id: string) => `${file}: ${field}: API ${JSON.stringify(id)} is not defined in apps/`;

function policyWarnings(policy: SeedDocument, defined: Defined): string[] {
  const { access_rights: rights } = policySchema.parse(policy.document);
  return Object.keys(rights)
    .filter((apiId) => !defined.apis.has(apiId))
    .map((apiId) => missingApi(policy.file, `${policy.id}.access_rights`, apiId));
}

function keyWarnings(key: SeedDocument, defined: Defined): string[] {
  const session = sessionSchema.parse(key.document);
  const field = session.apply_policies.length > 0 ? "apply_policies" : "apply_policy_id";
  const policies = policyIdsOf(session)
    .filter((id) => !defined.policies.has(id))
    .map((id) => `${key.file}: ${field}: policy ${JSON.stringify(id)} is not defined in policies/`);
  const apis = Object.keys(session.access_rights)
    .filter((apiId) => !defined.apis.has(apiId))
    .map((apiId) => missingApi(key.file, "access_rights", apiId));
  return [...policies, ...apis];
}

/** Every reference to an API or policy this seed does not define, policies first, then keys. */
export function referenceWarnings(seed: { apis: SeedDocument[]; policies: SeedDocument[]; keys: SeedDocument[] }): string[] {
  const defined: Defined = { apis: new Set(seed.apis.map((api) => api.id)), policies: new Set(seed.policies.map((policy) => policy.id)) };
  return [...seed.policies.flatMap((policy) => policyWarnings(policy, defined)), ...seed.keys.flatMap((key) => keyWarnings(key, defined))];
}
