import { ConfigError } from "../src/config";
import { readFromTyk, type TykSourceOptions } from "./from-tyk";
import { memorySource } from "./json-files";
import type { OpenApiImport } from "./oas";
import { configVersionEntry, planEntries, type SeedEntry } from "./plan";
import { type ReadOptions, type ReadResult, readSeedDir, readSeedSource, type SeedSet } from "./read";
import { saveExport } from "./save-export";
import { loadVars, seedSettings, type SettingFlags, type SeedSettings, type Vars } from "./settings";
import { writeToUpstash, type UpstashOptions } from "./targets/upstash";
import { writeWithWrangler } from "./targets/wrangler-kv";

export type TargetName = "local" | "remote" | "upstash";

export interface SeedOptions extends SettingFlags {
  /** A seed directory, or (with `fromTyk`) where to save what was fetched, if anywhere. */
  dir: string | undefined;
  /** Read from a running Tyk Gateway instead of a directory. */
  fromTyk?: TykSourceOptions;
  target: TargetName;
  env: string | undefined;
  dryRun: boolean;
  configPath: string;
  persistTo: string | undefined;
  /** Refuse to write anything when an API definition sets a field the gateway does not honour. */
  strict: boolean;
  /** A plain OpenAPI file imported as a Tyk OAS API (with or without a directory). */
  openApiImport?: OpenApiImport;
}

export interface Output {
  info(line: string): void;
  error(line: string): void;
}

/** Exit codes: 0 written (or dry run), 1 invalid input or a failed write, 2 bad settings. */
export type ExitCode = 0 | 1 | 2;

function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

function summary(seed: SeedSet): string {
  return `validated ${count(seed.apis.length, "API")}, ${count(seed.policyFiles, "policy file")} (${count(seed.policies.length, "policy", "policies")}), ${count(seed.keys.length, "key")}`;
}

function targetLabel(options: SeedOptions, vars: Vars): string {
  const env = options.env ? `, env ${options.env}` : "";
  if (options.target === "local") return `local KV (${options.persistTo ?? ".wrangler/state"}${env})`;
  if (options.target === "remote") return `remote KV${options.env ? ` (env ${options.env})` : ""}`;
  return `Upstash Redis (${vars.UPSTASH_REDIS_REST_URL ?? "no URL"})`;
}

function storageMismatch(target: TargetName, vars: Vars): string | null {
  const storage = vars.TYK_GW_STORAGE_TYPE || "kv";
  if (target === "upstash" && storage !== "upstash") return `TYK_GW_STORAGE_TYPE is "${storage}", so the gateway will not read what is written to Upstash`;
  if (target !== "upstash" && storage === "upstash") return `TYK_GW_STORAGE_TYPE is "upstash", so the gateway will not read what is written to Workers KV`;
  return null;
}

function describeHashing(settings: SeedSettings): string {
  return settings.hashKeys ? `keys are stored under their ${settings.hashKeyFunction} hash` : "keys are stored unhashed (TYK_GW_HASHKEYS=false)";
}

/** Shown in a dry run; a raw key string never is. */
function displayKey(entry: SeedEntry, settings: SeedSettings): string {
  if (settings.hashKeys || !entry.key.startsWith("apikey-")) return entry.key;
  return `${entry.key.slice(0, "apikey-".length + 4)}…`;
}

function upstashCredentials(vars: Vars): UpstashOptions {
  const url = vars.UPSTASH_REDIS_REST_URL;
  const token = vars.UPSTASH_REDIS_REST_TOKEN;
  if (!url || !token) throw new ConfigError("--target upstash needs UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN");
  return { url, token };
}

async function write(entries: SeedEntry[], options: SeedOptions, vars: Vars): Promise<string> {
  if (options.target === "upstash") return writeToUpstash(entries, upstashCredentials(vars));
  const version = configVersionEntry();
  await writeWithWrangler([...entries, version], { mode: options.target, configPath: options.configPath, env: options.env, persistTo: options.persistTo });
  return version.value;
}

/** Reads the directory, or fetches from Tyk (saving the files to `dir` when given); null after printing why it failed. */
async function readSource(options: SeedOptions, settings: ReadOptions, output: Output): Promise<ReadResult | null> {
  if (!options.fromTyk) {
    // An import alone needs no directory.
    if (options.dir === undefined && options.openApiImport) return readSeedSource(memorySource(new Map()), settings);
    return readSeedDir(options.dir ?? ".", settings);
  }
  try {
    const fetched = await readFromTyk(options.fromTyk);
    output.info(`read ${count(fetched.files.size, "document file")} from the Tyk Gateway API at ${options.fromTyk.url}`);
    for (const note of fetched.notes) output.error(`note: ${note}`);
    if (options.dir) {
      await saveExport(fetched.files, options.dir);
      output.info(`saved them under ${options.dir}`);
    }
    return readSeedSource(memorySource(fetched.files), settings);
  } catch (error) {
    output.error(`kv-seed: ${error instanceof Error ? error.message : String(error)}; nothing was written`);
    return null;
  }
}

/** Validates everything in `options.dir` (or from Tyk), then writes it all or nothing. */
export async function runSeed(options: SeedOptions, output: Output): Promise<ExitCode> {
  let vars: Vars;
  let settings: SeedSettings;
  try {
    vars = await loadVars({ configPath: options.configPath, env: options.env, includeDevVars: options.target !== "remote" });
    settings = seedSettings(vars, options);
    if (options.target === "upstash" && !options.dryRun) upstashCredentials(vars);
  } catch (error) {
    output.error(`kv-seed: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }

  const result = await readSource(options, { ...settings, openApiImport: options.openApiImport }, output);
  if (!result) return 1;
  if (!result.ok) {
    output.error(
      `kv-seed: ${count(result.errors.length, "problem")} in ${options.fromTyk?.url ?? options.dir ?? options.openApiImport?.file}; nothing was written`,
    );
    for (const line of result.errors) output.error(`  ${line}`);
    return 1;
  }
  output.info(summary(result.seed));
  const unhonoured = result.seed.apis.filter((api) => api.warnings.length > 0);
  for (const api of unhonoured) {
    output.error(`${api.file}: ${count(api.warnings.length, "field")} not honoured${api.notServed ? "; the gateway will NOT serve this API" : ""}`);
    for (const warning of api.warnings) output.error(`  ${warning}`);
  }
  const { references } = result.seed;
  for (const line of references) output.error(`${line} (it must already be in the store)`);
  if (options.strict && (unhonoured.length > 0 || references.length > 0)) {
    if (unhonoured.length > 0) {
      output.error(`kv-seed: --strict: ${count(unhonoured.length, "API definition")} set fields the gateway does not honour; nothing was written`);
    }
    if (references.length > 0) {
      output.error(`kv-seed: --strict: ${count(references.length, "reference")} to APIs or policies this directory does not define; nothing was written`);
    }
    return 1;
  }
  const entries = await planEntries(result.seed, settings);
  if (result.seed.keys.length > 0) output.info(describeHashing(settings));
  const mismatch = storageMismatch(options.target, vars);
  if (mismatch) output.error(`warning: ${mismatch}`);

  const label = targetLabel(options, vars);
  if (options.dryRun) {
    output.info(`dry run: would write ${count(entries.length, "entry", "entries")} to ${label}, then bump the config version`);
    for (const entry of entries) output.info(`  ${displayKey(entry, settings)}`);
    return 0;
  }
  if (entries.length === 0) {
    output.info("nothing to write");
    return 0;
  }
  try {
    const version = await write(entries, options, vars);
    output.info(`wrote ${count(entries.length, "entry", "entries")} to ${label}; config version is now ${version}`);
    return 0;
  } catch (error) {
    output.error(`kv-seed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
