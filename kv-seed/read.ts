import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { z } from "zod";
import { describeWarning } from "../src/apidef/manifest";
import { compileDefinition } from "../src/compile";
import { parseGatewayConfig } from "../src/config";
import { policySchema, sessionSchema } from "../src/session/schema";

/*
 * Reads a Tyk-style directory (apps/*.json, policies/*.json, keys/*.json) and
 * validates every document with the gateway's own schemas. Documents are kept
 * as written (not the parsed output with defaults), so what lands in the store
 * is what the operator wrote.
 */

export type JsonObject = Record<string, unknown>;

export interface SeedDocument {
  /** Path relative to the seed directory, for messages. */
  file: string;
  /** Storage id: api_id, policy id or key string. */
  id: string;
  document: JsonObject;
}

export interface ApiSeed extends SeedDocument {
  /** Fields the gateway does not honour; see the README. */
  warnings: string[];
  /** A security-relevant field is not honoured: the gateway will not serve this API. */
  notServed: boolean;
}

export interface SeedSet {
  apis: ApiSeed[];
  policies: SeedDocument[];
  policyFiles: number;
  /** `id` is the key string as presented by clients; hashing happens when planning. */
  keys: SeedDocument[];
}

export type ReadResult = { ok: true; seed: SeedSet } | { ok: false; errors: string[] };

export interface ReadOptions {
  /** Keys shorter than this are refused, as Tyk refuses custom keys below `min_token_length`. */
  minTokenLength: number;
}

/** Which fields are honoured does not depend on the gateway's settings; defaults are enough to compile. */
const compileConfig = parseGatewayConfig({});
const jsonObjectSchema = z.record(z.string(), z.unknown());
/** A session file may name its key string in `key`; the rest is a Tyk session. */
const keyFileSchema = sessionSchema.extend({ key: z.string().optional() });
const policyListSchema = z.array(z.looseObject({ id: z.string().min(1, "must not be empty") }));

function issueLines(file: string, error: z.ZodError, prefix: PropertyKey[] = []): string[] {
  return error.issues.map((issue) => {
    const path = [...prefix, ...issue.path].map(String).join(".");
    return path ? `${file}: ${path}: ${issue.message}` : `${file}: ${issue.message}`;
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

/** The `.json` files directly inside `dir/sub`, sorted, as paths relative to `dir`. */
async function jsonFiles(dir: string, sub: string): Promise<string[]> {
  if (!(await isDirectory(join(dir, sub)))) return [];
  const names = (await readdir(join(dir, sub))).filter((name) => name.endsWith(".json")).sort();
  // stat follows symlinks, so a linked-in definition counts like a copied one.
  const isFile = await Promise.all(names.map(async (name) => (await stat(join(dir, sub, name)).catch(() => null))?.isFile() ?? false));
  return names.filter((_, index) => isFile[index]).map((name) => `${sub}/${name}`);
}

async function readJson(dir: string, file: string, errors: string[]): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(join(dir, file), "utf8");
  } catch (error) {
    errors.push(`${file}: cannot read: ${messageOf(error)}`);
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    errors.push(`${file}: invalid JSON: ${messageOf(error)}`);
    return undefined;
  }
}

async function readApis(dir: string, errors: string[]): Promise<ApiSeed[]> {
  const apis: ApiSeed[] = [];
  const fileById = new Map<string, string>();
  const fileByRoute = new Map<string, string>();
  for (const file of await jsonFiles(dir, "apps")) {
    const raw = await readJson(dir, file, errors);
    if (raw === undefined) continue;
    const compiled = compileDefinition(raw, compileConfig);
    if (!compiled.ok) {
      errors.push(...compiled.issues.map((line) => `${file}: ${line}`));
      continue;
    }
    const { api } = compiled;
    const earlier = fileById.get(api.id);
    if (earlier) {
      errors.push(`${file}: api_id: "${api.id}" is already defined in ${earlier}`);
      continue;
    }
    fileById.set(api.id, file);
    // The gateway skips the second active API on the same domain + listen path; refuse it here instead.
    if (compiled.active) {
      const taken = fileByRoute.get(api.route);
      if (taken) {
        errors.push(`${file}: proxy.listen_path: "${api.listenPath}" on domain "${api.domain}" is already used by ${taken}`);
        continue;
      }
      fileByRoute.set(api.route, file);
    }
    const warnings = compiled.warnings.map(describeWarning);
    apis.push({ file, id: api.id, document: raw as JsonObject, warnings, notServed: api.notServed.length > 0 });
  }
  return apis;
}

/**
 * One policy file: Tyk's map `{ "<id>": {policy} }` (the map key is the id, as
 * Tyk reads policies.json) or an array of policies that carry their `id`.
 */
function policiesOf(file: string, raw: unknown, errors: string[]): SeedDocument[] {
  let candidates: [id: string, document: unknown, path: string][];
  if (Array.isArray(raw)) {
    const listed = policyListSchema.safeParse(raw);
    if (!listed.success) {
      errors.push(...issueLines(file, listed.error));
      return [];
    }
    candidates = raw.map((document, index) => [listed.data[index]!.id, document, String(index)]);
  } else {
    const map = jsonObjectSchema.safeParse(raw);
    if (!map.success) {
      errors.push(`${file}: must be a map of policy id to policy, or an array of policies`);
      return [];
    }
    candidates = Object.entries(map.data).map(([id, document]) => [id, document, id]);
  }
  const policies: SeedDocument[] = [];
  for (const [id, document, path] of candidates) {
    const parsed = policySchema.safeParse(document);
    if (!parsed.success) {
      errors.push(...issueLines(file, parsed.error, [path]));
      continue;
    }
    if (id === "") {
      errors.push(`${file}: policy ids must not be empty`);
      continue;
    }
    if (parsed.data.id !== "" && parsed.data.id !== id) {
      errors.push(`${file}: ${path}.id: "${parsed.data.id}" does not match its map key "${id}"`);
      continue;
    }
    policies.push({ file, id, document: { ...(document as JsonObject), id } });
  }
  return policies;
}

async function readPolicies(dir: string, errors: string[]): Promise<{ policies: SeedDocument[]; files: number }> {
  const files = await jsonFiles(dir, "policies");
  const policies: SeedDocument[] = [];
  const fileById = new Map<string, string>();
  for (const file of files) {
    const raw = await readJson(dir, file, errors);
    if (raw === undefined) continue;
    for (const policy of policiesOf(file, raw, errors)) {
      const earlier = fileById.get(policy.id);
      if (earlier) {
        errors.push(`${file}: policy "${policy.id}" is already defined in ${earlier}`);
        continue;
      }
      fileById.set(policy.id, file);
      policies.push(policy);
    }
  }
  return { policies, files: files.length };
}

async function readKeys(dir: string, options: ReadOptions, errors: string[]): Promise<SeedDocument[]> {
  const keys: SeedDocument[] = [];
  const fileByKey = new Map<string, string>();
  for (const file of await jsonFiles(dir, "keys")) {
    const raw = await readJson(dir, file, errors);
    if (raw === undefined) continue;
    const parsed = keyFileSchema.safeParse(raw);
    if (!parsed.success) {
      errors.push(...issueLines(file, parsed.error));
      continue;
    }
    const key = parsed.data.key ?? basename(file, ".json");
    if (key.length < options.minTokenLength) {
      const source = parsed.data.key === undefined ? "file name" : "key";
      errors.push(`${file}: ${source}: a key must be at least ${options.minTokenLength} characters (TYK_GW_MINTOKENLENGTH)`);
      continue;
    }
    const earlier = fileByKey.get(key);
    if (earlier) {
      errors.push(`${file}: key is the same as in ${earlier}`);
      continue;
    }
    fileByKey.set(key, file);
    // The key string never goes into the stored session: with hashing on it must exist only as its hash.
    const session: JsonObject = { ...(raw as JsonObject) };
    delete session.key;
    keys.push({ file, id: key, document: session });
  }
  return keys;
}

/** Reads and validates everything; on any error returns every error and no documents. */
export async function readSeedDir(dir: string, options: ReadOptions): Promise<ReadResult> {
  if (!(await isDirectory(dir))) return { ok: false, errors: [`${dir}: not a directory`] };
  const layout = await Promise.all(["apps", "policies", "keys"].map((sub) => isDirectory(join(dir, sub))));
  if (!layout.includes(true)) return { ok: false, errors: [`${dir}: has none of apps/, policies/ or keys/`] };

  const errors: string[] = [];
  const apis = await readApis(dir, errors);
  const { policies, files: policyFiles } = await readPolicies(dir, errors);
  const keys = await readKeys(dir, options, errors);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, seed: { apis, policies, policyFiles, keys } };
}
