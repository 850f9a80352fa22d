/*
 * What an OAS document asks for that the conversion cannot express in the
 * classic model. Each entry names the field by JSON path; a security-relevant
 * one (an auth scheme or access rule Portcullis cannot honour) keeps the API
 * from being served, like the classic manifest's fail-closed entries.
 */

export interface UnmappedField {
  path: string;
  message: string;
  security: boolean;
}

export class UnmappedFields {
  readonly fields: UnmappedField[] = [];

  add(path: string, message: string, security = false): void {
    this.fields.push({ path, message, security });
  }

  /** Every key of `object` that `mapped` does not list and that is set (not false, empty or zero). */
  rest(path: string, object: Record<string, unknown> | undefined, mapped: readonly string[], security = false): void {
    if (!object) return;
    for (const [key, value] of Object.entries(object)) {
      if (mapped.includes(key) || !isSet(value)) continue;
      this.add(`${path}.${key}`, "has no equivalent in this gateway; it is ignored", security);
    }
  }
}

/** Go's zero values do nothing in Tyk either. */
function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === "" || value === 0) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.values(value).some(isSet);
  return true;
}
