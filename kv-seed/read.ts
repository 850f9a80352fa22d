import { basename, join } from "node:path";
import * as z from "zod";
import { idError, storeKeyError } from "../src/admin/ids";
import { policyBounds, sessionBounds } from "../src/admin/number-bounds";
import { policySchema, sessionSchema } from "../src/session/schema";
import { directorySource, isDirectory, readJson, type SeedSource, sizeError } from "./json-files";
import type { OpenApiImport } from "./oas";
import { readApis } from "./read-apis";
import { referenceWarnings } from "./references";

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
  /** Storage id: api_id, policy id or key string (or key hash, see `hashed`). */
  id: string;
  document: JsonObject;
  /** A key given by its hash (`key_hash`, as a hashed Tyk lists them): stored under that hash as it is. */
  hashed?: boolean;
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
  /** Keys and policies naming APIs or policies this directory does not define (see references.ts). */
  references: string[];
}

export type ReadResult = { ok: true; seed: SeedSet } | { ok: false; errors: string[] };

export interface ReadOptions {
  /** Keys shorter than this are refused, as Tyk refuses custom keys below `min_token_length`. */
  minTokenLength: number;
  /** Unhashed, a key string is its own storage id and must fit the store's key limit. Default true. */
  hashKeys?: boolean;
  /** A plain OpenAPI file to import as a Tyk OAS API beside the directory's (`--import-openapi`). */
  openApiImport?: OpenApiImport;
}

const jsonObjectSchema = z.record(z.string(), z.unknown());
/**
 * A session file may name its key string in `key`, or the key's hash in
 * `key_hash` (all a hashed Tyk gives out); the rest is a Tyk session.
 */
const keyFileSchema = sessionSchema.extend({
  key: z.string().optional(),
  key_hash: z
    .string()
    .regex(/^[0-9a-f]{8,128}$/, "must be a lower-case hex digest")
    .optional(),
});
const policyListSchema = z.array(z.looseObject({ id: z.string().min(1, "must not be empty") }));

function issueLines(file: string, issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): string[] {
  return issues.map((issue) => {
    const path = [...prefix, ...issue.path].map(String).join(".");
    return path ? `${file}: ${path}: ${issue.message}` : `${file}: ${issue.message}`;
  });
}

/** Schema issues first; the number bounds only once the schema passes, so no field is reported twice. */
function documentIssues(parsed: z.ZodSafeParseResult<unknown>, bounds: z.ZodType, raw: unknown): readonly z.core.$ZodIssue[] {
  if (!parsed.success) return parsed.error.issues;
  return bounds.safeParse(raw).error?.issues ?? [];
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
      errors.push(...issueLines(file, listed.error.issues));
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
    const issues = documentIssues(parsed, policyBounds, document);
    if (!parsed.success || issues.length > 0) {
      errors.push(...issueLines(file, issues, [path]));
      continue;
    }
    const badId = idError("policies", id);
    if (badId) {
      errors.push(`${file}: ${id === "" ? "policy ids" : `policy id ${JSON.stringify(id)}`} ${badId}`);
      continue;
    }
    const tooLarge = sizeError(document);
    if (tooLarge) {
      errors.push(`${file}: ${path}: ${tooLarge}`);
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

async function readPolicies(source: SeedSource, errors: string[]): Promise<{ policies: SeedDocument[]; files: number }> {
  const files = await source.list("policies");
  const policies: SeedDocument[] = [];
  const fileById = new Map<string, string>();
  for (const file of files) {
    const raw = await readJson(source, file, errors);
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

async function readKeys(source: SeedSource, options: ReadOptions, errors: string[]): Promise<SeedDocument[]> {
  const keys: SeedDocument[] = [];
  const fileByKey = new Map<string, string>();
  for (const file of await source.list("keys")) {
    const raw = await readJson(source, file, errors);
    if (raw === undefined) continue;
    const parsed = keyFileSchema.safeParse(raw);
    const issues = documentIssues(parsed, sessionBounds, raw);
    if (!parsed.success || issues.length > 0) {
      errors.push(...issueLines(file, issues));
      continue;
    }
    const tooLarge = sizeError(raw);
    if (tooLarge) {
      errors.push(`${file}: ${tooLarge}`);
      continue;
    }
    const hashed = parsed.data.key_hash !== undefined;
    if (hashed && parsed.data.key !== undefined) {
      errors.push(`${file}: key_hash: give the key or its hash, not both`);
      continue;
    }
    if (hashed && options.hashKeys === false) {
      errors.push(`${file}: key_hash: a key known only by its hash needs key hashing on (TYK_GW_HASHKEYS)`);
      continue;
    }
    const key = parsed.data.key_hash ?? parsed.data.key ?? basename(file, ".json");
    const named = hashed ? "key_hash" : parsed.data.key === undefined ? "file name" : "key";
    // The length of a key known only by its hash cannot be checked.
    if (!hashed && key.length < options.minTokenLength) {
      errors.push(`${file}: ${named}: a key must be at least ${options.minTokenLength} characters (TYK_GW_MINTOKENLENGTH)`);
      continue;
    }
    const unstorable = options.hashKeys === false ? storeKeyError("keys", key) : null;
    if (unstorable) {
      errors.push(`${file}: ${named}: ${unstorable} (keys are stored unhashed)`);
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
    delete session.key_hash;
    keys.push({ file, id: key, document: session, ...(hashed ? { hashed } : {}) });
  }
  return keys;
}

/** Reads and validates a directory; on any error returns every error and no documents. */
export async function readSeedDir(dir: string, options: ReadOptions): Promise<ReadResult> {
  if (!(await isDirectory(dir))) return { ok: false, errors: [`${dir}: not a directory`] };
  const layout = await Promise.all(["apps", "policies", "keys"].map((sub) => isDirectory(join(dir, sub))));
  if (!layout.includes(true)) return { ok: false, errors: [`${dir}: has none of apps/, policies/ or keys/`] };
  return readSeedSource(directorySource(dir), options);
}

/** Reads and validates everything a source holds; on any error returns every error and no documents. */
export async function readSeedSource(source: SeedSource, options: ReadOptions): Promise<ReadResult> {
  const errors: string[] = [];
  const apis = await readApis(source, errors, options.openApiImport);
  const { policies, files: policyFiles } = await readPolicies(source, errors);
  const keys = await readKeys(source, options, errors);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, seed: { apis, policies, policyFiles, keys, references: referenceWarnings({ apis, policies, keys }) } };
}
