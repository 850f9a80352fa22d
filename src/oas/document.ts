import type * as z from "zod";
import { oasDocumentSchema, openApiVersion, type OasDocument } from "./schema";

export type { OasDocument } from "./schema";

/** One problem in an OAS document: where (a JSON path such as `$.x-tyk-api-gateway.server.listenPath.value`), what was expected, what was found. */
export interface OasIssue {
  path: string;
  expected: string;
  got: string;
  message: string;
}

export type OasParseResult = { ok: true; document: OasDocument } | { ok: false; issues: OasIssue[] };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** A Tyk OAS definition: an OpenAPI 3.0/3.1 document carrying the `x-tyk-api-gateway` extension. */
export function isOasDocument(raw: unknown): boolean {
  return isRecord(raw) && typeof raw.openapi === "string" && openApiVersion.test(raw.openapi) && isRecord(raw["x-tyk-api-gateway"]);
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `$.a.b[0]["x y"]`: dots for plain names (and Tyk's dashed ones), brackets for indexes and odd keys. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let text = "$";
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else if (typeof key === "string" && (identifier.test(key) || /^x-[A-Za-z0-9-]+$/.test(key))) text += `.${key}`;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  const text = JSON.stringify(value);
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

function expectedOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return issue.expected;
    case "invalid_value":
      return `one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")}`;
    case "invalid_format":
      return issue.format === "regex" ? issue.message : issue.format;
    case "too_small":
      return `${issue.inclusive === false ? "more than" : "at least"} ${String(issue.minimum)}`;
    case "too_big":
      return `${issue.inclusive === false ? "less than" : "at most"} ${String(issue.maximum)}`;
    default:
      return issue.message;
  }
}

function toIssue(issue: z.core.$ZodIssue): OasIssue {
  return { path: jsonPath(issue.path), expected: expectedOf(issue), got: describeValue(issue.input), message: issue.message };
}

/** Validates a Tyk OAS document; each issue names the JSON path of the bad field. */
export function parseOasDocument(raw: unknown): OasParseResult {
  const parsed = oasDocumentSchema.safeParse(raw, { reportInput: true });
  if (parsed.success) return { ok: true, document: parsed.data };
  return { ok: false, issues: parsed.error.issues.map(toIssue) };
}

/** "$.x-tyk-api-gateway.server.listenPath.value: expected string, got number 5" */
export function describeOasIssue(issue: OasIssue): string {
  return `${issue.path}: expected ${issue.expected}, got ${issue.got}`;
}
