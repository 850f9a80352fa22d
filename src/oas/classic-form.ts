import type { FieldWarning } from "../apidef/manifest";
import { describeOasIssue, isOasDocument, parseOasDocument } from "./document";
import { convertOas } from "./to-classic";

/*
 * What the compile path needs from a stored definition that may be a Tyk OAS
 * document: the classic form to compile, the unmapped fields as manifest
 * warnings, or why the document is invalid (each issue with its JSON path).
 */

export type ClassicForm = { ok: true; definition: unknown; warnings: FieldWarning[] } | { ok: false; error: string; issues: string[] };

export function classicForm(raw: unknown): ClassicForm {
  if (!isOasDocument(raw)) return { ok: true, definition: raw, warnings: [] };
  const parsed = parseOasDocument(raw);
  if (!parsed.ok) return invalid(parsed.issues.map(describeOasIssue));
  const conversion = convertOas(parsed.document);
  if (conversion.issues.length > 0) return invalid(conversion.issues.map(describeOasIssue));
  const warnings = conversion.unmapped.map((field) => ({
    field: field.path,
    message: field.security ? `${field.message}; the API is not served while it is set` : field.message,
    security: field.security,
  }));
  return { ok: true, definition: conversion.definition, warnings };
}

function invalid(issues: string[]): ClassicForm {
  return { ok: false, error: issues.join("; "), issues };
}

/** The gateway tags a Tyk OAS document carries, in the classic `tags` form the region check reads. */
export function regionView(raw: unknown): unknown {
  if (!isOasDocument(raw)) return raw;
  const parsed = parseOasDocument(raw);
  const tags = parsed.ok ? parsed.document["x-tyk-api-gateway"].server.gatewayTags : undefined;
  return { tags: tags?.enabled ? (tags.tags ?? []) : [] };
}
