import { classicForm } from "../oas/classic-form";
import { isOasDocument } from "../oas/document";

/*
 * Tyk keeps one classic definition per API, OAS ones included (marked
 * `is_oas`), and its classic endpoints read that: `GET /tyk/apis` lists every
 * API in the classic form, and route clashes are checked on it whatever the
 * format. Here an OAS API is stored as its document, so the classic form is
 * derived when needed.
 */

/** A stored definition in the classic form; an OAS document that no longer validates is given as stored (it is not served). */
export function classicFormOf(raw: unknown): unknown {
  if (!isOasDocument(raw)) return raw;
  const form = classicForm(raw);
  return form.ok ? { ...(form.definition as Record<string, unknown>), is_oas: true } : raw;
}

export function classicForms(documents: ReadonlyMap<string, unknown>): Map<string, unknown> {
  return new Map([...documents].map(([id, raw]) => [id, classicFormOf(raw)]));
}
