import { formatIssues } from "../validation";
import { compileApi, type CompiledApi } from "./compile";
import { apiDefinitionSchema, type ApiDefinition } from "./schema";

export type ApiDefinitionResult = { ok: true; definition: ApiDefinition } | { ok: false; error: string };

export function parseApiDefinition(raw: unknown): ApiDefinitionResult {
  const result = apiDefinitionSchema.safeParse(raw);
  return result.success ? { ok: true, definition: result.data } : { ok: false, error: formatIssues(result.error) };
}

/**
 * Validates and compiles every stored definition. A bad or inactive
 * definition is skipped (and logged) so it never takes the others down.
 */
export function compileStoredApis(documents: Map<string, unknown>): CompiledApi[] {
  const compiled: CompiledApi[] = [];
  const routes = new Set<string>();
  for (const [id, raw] of documents) {
    const parsed = parseApiDefinition(raw);
    if (!parsed.ok) {
      console.error(JSON.stringify({ message: "skipping invalid API definition", api_id: id, error: parsed.error }));
      continue;
    }
    if (!parsed.definition.active) continue;
    const api = compileApi(parsed.definition);
    const route = `${api.domain}${api.listenPath}`;
    if (routes.has(route)) {
      console.error(JSON.stringify({ message: "skipping API with a duplicate domain + listen_path", api_id: id, route }));
      continue;
    }
    routes.add(route);
    compiled.push(api);
  }
  return compiled;
}
