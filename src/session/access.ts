import type { AccessDefinition, Session } from "./schema";

/**
 * The key's access rights to one API. An own-property lookup: an API id such
 * as `constructor` or `__proto__` must never find something the key does not list.
 */
export function accessTo(session: Pick<Session, "access_rights">, apiId: string): AccessDefinition | undefined {
  return Object.hasOwn(session.access_rights, apiId) ? session.access_rights[apiId] : undefined;
}
