import { policyIdsOf } from "../session/policies";
import type { Session } from "../session/schema";
import type { Store } from "../store";
import { quoteId } from "./ids";

/*
 * Warnings for a key or policy that names APIs or policies the store does not
 * hold. Tyk accepts such a key (the API or policy may be added later), so
 * this gateway stores it too and lists what is missing in the answer's
 * `warnings`, shaped like those of `POST /tyk/apis`. One listing per kind,
 * however many ids are named.
 */

export interface ReferenceWarning {
  field: string;
  message: string;
}

export async function unknownApiWarnings(store: Store, accessRights: Record<string, unknown>): Promise<ReferenceWarning[]> {
  const ids = Object.keys(accessRights);
  if (ids.length === 0) return [];
  const known = new Set(await store.listIds("apis"));
  return ids.filter((id) => !known.has(id)).map((id) => ({ field: "access_rights", message: `API ${quoteId(id)} does not exist` }));
}

export async function unknownPolicyWarnings(store: Store, session: Session): Promise<ReferenceWarning[]> {
  const ids = policyIdsOf(session);
  if (ids.length === 0) return [];
  const field = session.apply_policies.length > 0 ? "apply_policies" : "apply_policy_id";
  const known = new Set(await store.listIds("policies"));
  return ids.filter((id) => !known.has(id)).map((id) => ({ field, message: `policy ${quoteId(id)} does not exist` }));
}

/** The answer's `warnings` field, left out when there are none so the answer stays Tyk's. */
export function warningsField(warnings: ReferenceWarning[]): { warnings?: ReferenceWarning[] } {
  return warnings.length > 0 ? { warnings } : {};
}

/** Every reference warning for a key, APIs first. */
export async function keyReferenceWarnings(store: Store, session: Session): Promise<ReferenceWarning[]> {
  const [apis, policies] = await Promise.all([unknownApiWarnings(store, session.access_rights), unknownPolicyWarnings(store, session)]);
  return [...apis, ...policies];
}
