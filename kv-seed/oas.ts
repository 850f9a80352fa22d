import { readFile } from "node:fs/promises";
import { basename, extname } from "node:path";
import { parseDefinitionText } from "../src/admin/oas-body";
import { adminBodyLimits } from "../src/admin/limits";
import { compileDefinition, type CompileResult } from "../src/compile";
import type { GatewayConfig } from "../src/config";
import { describeOasIssue, isOasDocument, parseOasDocument } from "../src/oas/document";
import { buildTykExtension, type ImportParams } from "../src/oas/import";
import { parseYamlOrJson } from "../src/oas/text";
import { convertOas } from "../src/oas/to-classic";

/*
 * Tyk OAS definitions in a seed: files in apps/ (JSON or YAML) beside the
 * classic ones, and a plain OpenAPI file imported with the options of
 * `POST /tyk/apis/oas/import`. Each is checked as the Gateway API checks it:
 * the document against the OAS schema (issues name the file and the JSON
 * path), then its classic form compiled as the gateway will serve it.
 */

/** The extensions of definition files in apps/. */
export const definitionExtensions = [".json", ".yaml", ".yml"] as const;

/** A plain OpenAPI file to import, and Tyk's import parameters for it. */
export interface OpenApiImport {
  file: string;
  params: ImportParams;
}

export type SeedCompile =
  | { ok: true; id: string; compiled: Extract<CompileResult, { ok: true }>; classic: Record<string, unknown> }
  | { ok: false; errors: string[] };

/** A YAML definition file, parsed under the Gateway API's bounds; undefined with the problem added to `errors`. */
export function parseYamlDefinition(file: string, text: string, errors: string[]): unknown {
  const parsed = parseDefinitionText(text);
  if (parsed.ok) return parsed.value;
  const { problem } = parsed;
  if (problem.kind === "too-deep") errors.push(`${file}: nests deeper than ${adminBodyLimits.maxDepth} levels`);
  else if (problem.kind === "value") errors.push(`${file}: ${problem.path}: ${problem.message}`);
  else {
    const yaml = parseYamlOrJson(text);
    errors.push(`${file}: invalid YAML: ${yaml.ok ? "not a document" : yaml.error}`);
  }
  return undefined;
}

/** Validates and compiles a Tyk OAS document from `file`; its id is `x-tyk-api-gateway.info.id`, which a seed must give. */
export function compileOasSeed(file: string, raw: unknown, config: GatewayConfig): SeedCompile {
  const parsed = parseOasDocument(raw);
  if (!parsed.ok) return { ok: false, errors: parsed.issues.map((issue) => `${file}: ${describeOasIssue(issue)}`) };
  const id = parsed.document["x-tyk-api-gateway"].info.id;
  // The Gateway API makes up an id; a seed run again must write the same API, so the file names it.
  if (id === undefined || id === "") return { ok: false, errors: [`${file}: $.x-tyk-api-gateway.info.id: expected a non-empty string, got nothing`] };
  const converted = convertOas(parsed.document);
  if (converted.issues.length > 0) return { ok: false, errors: converted.issues.map((issue) => `${file}: ${describeOasIssue(issue)}`) };
  // The document itself, as the gateway compiles it: what has no classic mapping joins the warnings.
  const compiled = compileDefinition(raw, config);
  if (!compiled.ok) return { ok: false, errors: compiled.issues.map((line) => `${file}: ${line}`) };
  return { ok: true, id, compiled, classic: converted.definition };
}

/** A document in apps/ that is plain OpenAPI (no extension) belongs to an import, not to apps/. */
export function plainOpenApiError(file: string, raw: unknown): string | undefined {
  const looksOpenApi = typeof raw === "object" && raw !== null && "openapi" in raw && !isOasDocument(raw) && !("x-tyk-api-gateway" in raw);
  return looksOpenApi ? `${file}: a plain OpenAPI document (no x-tyk-api-gateway): import it with --import-openapi ${file}` : undefined;
}

/**
 * The Tyk OAS document an import makes of a plain OpenAPI file, as the import
 * endpoint makes it; the API id is `apiID`, else the file's name without its
 * extension (so a second run writes the same API).
 */
export async function importOpenApiFile(openApi: OpenApiImport, errors: string[]): Promise<unknown> {
  const { file } = openApi;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    errors.push(`${file}: cannot read: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  const raw = parseYamlDefinition(file, text, errors);
  if (raw === undefined) return undefined;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    errors.push(`${file}: $: expected an OpenAPI document (an object), got ${Array.isArray(raw) ? "an array" : typeof raw}`);
    return undefined;
  }
  if ("x-tyk-api-gateway" in raw) {
    errors.push(`${file}: the import payload should not contain x-tyk-api-gateway (put a Tyk OAS definition in apps/)`);
    return undefined;
  }
  const apiID = openApi.params.apiID ?? basename(file, extname(file));
  const built = buildTykExtension(raw as Record<string, unknown>, { ...openApi.params, apiID }, true);
  if (!built.ok) {
    errors.push(`${file}: ${built.message}`);
    return undefined;
  }
  return built.document;
}
