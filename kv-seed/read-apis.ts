import { idError } from "../src/admin/ids";
import { describeWarning } from "../src/apidef/manifest";
import { lengthIssues, RouteClaims, routeTaken } from "../src/apidef/write-rules";
import { compileDefinition } from "../src/compile";
import { parseGatewayConfig } from "../src/config";
import { isOasDocument } from "../src/oas/document";
import { readJson, type SeedSource, sizeError } from "./json-files";
import { compileOasSeed, definitionExtensions, importOpenApiFile, type OpenApiImport, parseYamlDefinition, plainOpenApiError, type SeedCompile } from "./oas";
import type { ApiSeed, JsonObject } from "./read";

/*
 * apps/: classic and Tyk OAS definitions (JSON or YAML) and a plain OpenAPI
 * import, each compiled by the gateway's own compiler and checked as the
 * Gateway API would check a write.
 */

/** Which fields are honoured does not depend on the gateway's settings; defaults are enough to compile. */
const compileConfig = parseGatewayConfig({});

function sizeIssues(raw: unknown): string[] {
  const tooLarge = sizeError(raw);
  return tooLarge ? [tooLarge] : [];
}

/** What the Gateway API would refuse in a definition beyond the schema: its size, its id, its lengths. */
function writeIssues(raw: unknown, apiId: string): string[] {
  const tooLarge = sizeError(raw);
  const badId = idError("apis", apiId);
  return [...(tooLarge ? [tooLarge] : []), ...(badId ? [`api_id: ${badId}`] : []), ...lengthIssues(raw)];
}

/** A classic definition compiled, with what the Gateway API would refuse in it beyond its schema. */
function compileClassicSeed(file: string, raw: unknown): SeedCompile {
  const compiled = compileDefinition(raw, compileConfig);
  if (!compiled.ok) return { ok: false, errors: compiled.issues.map((line) => `${file}: ${line}`) };
  return { ok: true, id: compiled.api.id, compiled, classic: raw as JsonObject };
}

async function readDefinition(source: SeedSource, file: string, errors: string[]): Promise<unknown> {
  if (file.endsWith(".json")) return readJson(source, file, errors);
  try {
    return parseYamlDefinition(file, await source.read(file), errors);
  } catch (error) {
    errors.push(`${file}: cannot read: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/** apps/ (classic and Tyk OAS definitions) and the OpenAPI import, if any: one id and one route per API across all of them. */
export async function readApis(source: SeedSource, errors: string[], openApiImport: OpenApiImport | undefined): Promise<ApiSeed[]> {
  const apis: ApiSeed[] = [];
  const fileById = new Map<string, string>();
  const routes = new RouteClaims<string>();
  // Read one at a time, so each file's problems are listed together, in file order.
  const definitions: [file: string, read: () => Promise<unknown>][] = (await source.list("apps", definitionExtensions)).map((file) => [
    file,
    () => readDefinition(source, file, errors),
  ]);
  if (openApiImport) definitions.push([openApiImport.file, () => importOpenApiFile(openApiImport, errors)]);
  for (const [file, read] of definitions) {
    const raw = await read();
    if (raw === undefined) continue;
    const plain = plainOpenApiError(file, raw);
    if (plain) {
      errors.push(plain);
      continue;
    }
    const seed = isOasDocument(raw) ? compileOasSeed(file, raw, compileConfig) : compileClassicSeed(file, raw);
    if (!seed.ok) {
      errors.push(...seed.errors);
      continue;
    }
    const { compiled } = seed;
    const { api } = compiled;
    const issues = [...writeIssues(seed.classic, api.id), ...(seed.classic === raw ? [] : sizeIssues(raw))];
    if (issues.length > 0) {
      errors.push(...issues.map((line) => `${file}: ${line}`));
      continue;
    }
    const earlier = fileById.get(api.id);
    if (earlier) {
      errors.push(`${file}: api_id: "${api.id}" is already defined in ${earlier}`);
      continue;
    }
    fileById.set(api.id, file);
    // The gateway skips the second active API on the same domain + listen path; refuse it here instead.
    const taken = routes.claim(api, compiled.active, file);
    if (taken) {
      errors.push(`${file}: ${routeTaken(api, taken)}`);
      continue;
    }
    const warnings = compiled.warnings.map(describeWarning);
    apis.push({ file, id: api.id, document: raw as JsonObject, warnings, notServed: api.notServed.length > 0 });
  }
  return apis;
}
