import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { adminBodyLimits } from "../src/admin/limits";
import { parseJsonWithin } from "../src/lib/bounded-json";
import { duplicateKeys } from "../src/lib/json-text";

/*
 * The JSON files of a seed directory, read under the rules the Gateway API
 * applies to a request body (nesting, text that cannot be stored, size per
 * document), plus one the API leaves to JSON: a key repeated in one object is
 * an error, because JSON.parse keeps only the last and the operator would
 * never see the first one go.
 */

export async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

/**
 * Where seed documents come from: a directory on disk, or documents fetched
 * from a running Tyk and held as the files they would be (see from-tyk.ts), so
 * both pass through the same checks.
 */
export interface SeedSource {
  /** The files directly inside `sub` (apps, policies, keys) ending in one of `extensions` (default `.json`), sorted, as paths like `apps/x.json`. */
  list(sub: string, extensions?: readonly string[]): Promise<string[]>;
  /** The text of one listed file. */
  read(file: string): Promise<string>;
}

export function directorySource(dir: string): SeedSource {
  return { list: (sub, extensions) => jsonFiles(dir, sub, extensions), read: (file) => readFile(join(dir, file), "utf8") };
}

/** Files held in memory, keyed by their path (`apps/x.json`). */
export function memorySource(files: ReadonlyMap<string, string>): SeedSource {
  return {
    list: async (sub, extensions = [".json"]) =>
      [...files.keys()].filter((file) => file.startsWith(`${sub}/`) && extensions.some((extension) => file.endsWith(extension))).sort(),
    read: async (file) => {
      const text = files.get(file);
      if (text === undefined) throw new Error("no such file");
      return text;
    },
  };
}

/** The `.json` (or `extensions`) files directly inside `dir/sub`, sorted, as paths relative to `dir`. */
export async function jsonFiles(dir: string, sub: string, extensions: readonly string[] = [".json"]): Promise<string[]> {
  if (!(await isDirectory(join(dir, sub)))) return [];
  const names = (await readdir(join(dir, sub))).filter((name) => extensions.some((extension) => name.endsWith(extension))).sort();
  // stat follows symlinks, so a linked-in definition counts like a copied one.
  const isFile = await Promise.all(names.map(async (name) => (await stat(join(dir, sub, name)).catch(() => null))?.isFile() ?? false));
  return names.filter((_, index) => isFile[index]).map((name) => `${sub}/${name}`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function syntaxError(text: string): string {
  try {
    JSON.parse(text);
    return "invalid JSON";
  } catch (error) {
    return messageOf(error);
  }
}

/** A document larger than the Gateway API would accept in one request, as an error, or null. */
export function sizeError(document: unknown): string | null {
  const bytes = Buffer.byteLength(JSON.stringify(document));
  return bytes > adminBodyLimits.maxBytes ? `is ${bytes} bytes, over the ${adminBodyLimits.maxBytes}-byte limit of one document` : null;
}

/** The parsed file, or undefined with every problem added to `errors` (each prefixed with the file). */
export async function readJson(source: SeedSource, file: string, errors: string[]): Promise<unknown> {
  let text: string;
  try {
    text = await source.read(file);
  } catch (error) {
    errors.push(`${file}: cannot read: ${messageOf(error)}`);
    return undefined;
  }
  const parsed = parseJsonWithin(text, adminBodyLimits.maxDepth);
  if (!parsed.ok) {
    const { problem } = parsed;
    if (problem.kind === "too-deep") errors.push(`${file}: invalid JSON: nests deeper than ${adminBodyLimits.maxDepth} levels`);
    else if (problem.kind === "value") errors.push(`${file}: ${problem.path}: ${problem.message}`);
    else errors.push(`${file}: invalid JSON: ${syntaxError(text)}`);
    return undefined;
  }
  const repeated = duplicateKeys(text);
  for (const { path, key } of repeated) {
    const where = path.length > 0 ? path.join(".") : "top level";
    errors.push(`${file}: ${where}: key ${JSON.stringify(key)} appears more than once (JSON keeps only the last)`);
  }
  return repeated.length > 0 ? undefined : parsed.value;
}
