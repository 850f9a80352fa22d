/*
 * The inline body templates of `error_overrides` (Tyk's `response.body` when
 * it contains "{{."): Go template text whose actions may only read the values
 * Tyk hands them, `{{.Message}}`, `{{.StatusCode}}` and, for a body check's
 * refusal, `{{.InvalidParams}}`. Anything else is refused when the definition
 * loads, naming the action. A body without "{{." is written as it is, as in
 * Tyk (so `{{ .Message }}` with a space stays literal text).
 */

export const templateNames = ["Message", "StatusCode", "InvalidParams"] as const;
export type TemplateName = (typeof templateNames)[number];

type Part = string | { name: TemplateName };
export type BodyTemplate = readonly Part[];

export class TemplateRefusal extends Error {}

const fieldAction = /^\.([A-Za-z_][A-Za-z0-9_]*)$/;

function isTemplateName(name: string): name is TemplateName {
  return (templateNames as readonly string[]).includes(name);
}

/** The parsed template, or null when the body is not one (no "{{."); throws TemplateRefusal for what is outside the subset. */
export function parseBodyTemplate(body: string): BodyTemplate | null {
  if (!body.includes("{{.")) return null;
  const parts: Part[] = [];
  let rest = body;
  let trimNext = false;
  for (let open = rest.indexOf("{{"); open !== -1; open = rest.indexOf("{{")) {
    const close = rest.indexOf("}}", open + 2);
    if (close === -1) throw new TemplateRefusal(`unclosed action at ${JSON.stringify(rest.slice(open, open + 20))}`);
    let inner = rest.slice(open + 2, close);
    let text = rest.slice(0, open);
    if (trimNext) text = text.trimStart();
    // Go's trim markers "{{- " and " -}}" eat the white space on their side.
    if (/^-\s/.test(inner)) {
      text = text.trimEnd();
      inner = inner.slice(1);
    }
    trimNext = /\s-$/.test(inner);
    if (trimNext) inner = inner.slice(0, -1);
    const name = fieldAction.exec(inner.trim())?.[1];
    if (name === undefined || !isTemplateName(name)) {
      throw new TemplateRefusal(
        `the action {{${rest.slice(open + 2, close)}}} is not supported: only {{.Message}}, {{.StatusCode}} and {{.InvalidParams}} are`,
      );
    }
    if (text) parts.push(text);
    parts.push({ name });
    rest = rest.slice(close + 2);
  }
  const tail = trimNext ? rest.trimStart() : rest;
  if (tail) parts.push(tail);
  return parts;
}

/**
 * Fills the template. A value missing from `values` is written as Go writes
 * a missing map key (`missing`), or, when `missing` is null, the template
 * fails (Go's error for a field its data has not) and null comes back.
 */
export function renderBodyTemplate(template: BodyTemplate, values: Partial<Record<TemplateName, string>>, missing: string | null): string | null {
  let out = "";
  for (const part of template) {
    if (typeof part === "string") {
      out += part;
      continue;
    }
    const value = values[part.name] ?? missing;
    if (value === null) return null;
    out += value;
  }
  return out;
}

const htmlNamed: Record<string, string> = { "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&#39;", '"': "&#34;" };

/** Go's html.EscapeString, which Tyk applies to values written into an XML body. */
export function htmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => htmlNamed[char]!);
}
