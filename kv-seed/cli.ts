import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { type TykSourceOptions, tykSourceDefaults } from "./from-tyk";
import type { ImportParams } from "../src/oas/import";
import type { OpenApiImport } from "./oas";
import { runSeed, type SeedOptions, type TargetName } from "./seed";

const usage = `usage: npm run seed -- <dir> [options]
       npm run seed -- --from-tyk <url> [--save-to <dir>] [options]
       npm run seed -- [<dir>] --import-openapi <file> [import options] [options]

Validates a Tyk-style directory (apps/*.json, Tyk OAS apps/*.yaml|yml|json, policies/policies.json, keys/*.json),
or what a running Tyk Gateway's API gives out, and writes it to the gateway's store.
Nothing is written if any document is invalid.

options:
  --target local|remote|upstash  where to write (default local: the KV that wrangler dev uses)
  --env <name>                   wrangler environment (vars and KV binding of [env.<name>])
  --persist-to <dir>             local persistence directory (default .wrangler/state)
  --config <file>                wrangler configuration (default wrangler.toml)
  --hash-keys true|false         override TYK_GW_HASHKEYS
  --hash-function sha256         override TYK_GW_HASHKEYFUNCTION
  --dry-run                      validate and list what would be written
  --strict                       write nothing if an API definition sets a field the gateway does not honour,
                                 or a key or policy names an API or policy the directory does not define
  --help                         show this help

reading from a running Tyk (GET /tyk/apis, /tyk/policies, /tyk/keys):
  --from-tyk <url>               the Tyk Gateway's base URL, e.g. http://tyk:8080
  --tyk-secret-env <name>        environment variable holding Tyk's secret (default TYK_SECRET)
  --tyk-hashed-keys true|false   whether that Tyk hashes keys (its hash_keys; default true)
  --tyk-timeout <ms>             per request (default ${tykSourceDefaults.timeoutMs})
  --tyk-max-keys <n>             refuse a key listing longer than this (default ${tykSourceDefaults.maxKeys})
  --save-to <dir>                also save what was read there as a seed directory (a new or empty one)

importing a plain OpenAPI 3 document (JSON or YAML) as a Tyk OAS API, as POST /tyk/apis/oas/import does:
  --import-openapi <file>        the document; its API id is --api-id, else the file name without its extension
  --upstream-url <url>           upstream (default: the document's first server)
  --listen-path <path>           listen path (default /)
  --custom-domain <host>         custom domain
  --api-id <id>                  API id
  --allow-list                   allow every operation (Tyk's allowList=true)
  --validate-request             validate requests of operations with parameters or a JSON body (validateRequest=true)
  --mock-response                mock responses from the document's examples (mockResponse=true)
  --authentication               enable the document's security schemes (authentication=true)`;

const targets: readonly TargetName[] = ["local", "remote", "upstash"];

function isTarget(value: string): value is TargetName {
  return (targets as readonly string[]).includes(value);
}

/** Node's parseArgs with this CLI's flags; an Error for an unknown or malformed flag. */
function parseFlags(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        target: { type: "string", default: "local" },
        env: { type: "string" },
        "persist-to": { type: "string" },
        config: { type: "string" },
        "hash-keys": { type: "string" },
        "hash-function": { type: "string" },
        "dry-run": { type: "boolean", default: false },
        strict: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
        "from-tyk": { type: "string" },
        "tyk-secret-env": { type: "string", default: "TYK_SECRET" },
        "tyk-hashed-keys": { type: "string", default: String(tykSourceDefaults.hashedKeys) },
        "tyk-timeout": { type: "string", default: String(tykSourceDefaults.timeoutMs) },
        "tyk-max-keys": { type: "string", default: String(tykSourceDefaults.maxKeys) },
        "save-to": { type: "string" },
        "import-openapi": { type: "string" },
        "upstream-url": { type: "string" },
        "listen-path": { type: "string" },
        "custom-domain": { type: "string" },
        "api-id": { type: "string" },
        "allow-list": { type: "boolean" },
        "validate-request": { type: "boolean" },
        "mock-response": { type: "boolean" },
        authentication: { type: "boolean" },
      },
    });
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

type Flags = Exclude<ReturnType<typeof parseFlags>, Error>["values"];

function positiveInteger(value: string): number | null {
  return /^[1-9]\d{0,8}$/.test(value) ? Number(value) : null;
}

/** The Tyk source the flags describe, or the message to print. The secret comes from the environment, never argv. */
function tykSource(values: Flags, env: NodeJS.ProcessEnv): TykSourceOptions | string {
  const url = values["from-tyk"]!;
  if (!URL.canParse(url)) return `--from-tyk: ${JSON.stringify(url)} is not a URL`;
  const secretVar = values["tyk-secret-env"];
  const secret = env[secretVar];
  if (!secret) return `--from-tyk needs Tyk's secret in the environment variable ${secretVar} (set another name with --tyk-secret-env)`;
  const hashed = values["tyk-hashed-keys"];
  if (hashed !== "true" && hashed !== "false") return "--tyk-hashed-keys must be true or false";
  const timeoutMs = positiveInteger(values["tyk-timeout"]);
  if (timeoutMs === null) return "--tyk-timeout must be a positive number of milliseconds";
  const maxKeys = positiveInteger(values["tyk-max-keys"]);
  if (maxKeys === null) return "--tyk-max-keys must be a positive integer";
  return { ...tykSourceDefaults, url, secret, hashedKeys: hashed === "true", timeoutMs, maxKeys };
}

const importFlagNames = [
  "upstream-url",
  "listen-path",
  "custom-domain",
  "api-id",
  "allow-list",
  "validate-request",
  "mock-response",
  "authentication",
] as const;

/** The OpenAPI import the flags describe, if any; the flags are those of Tyk's import endpoint. */
function openApiImport(values: Flags, cwd: string): OpenApiImport | undefined {
  const file = values["import-openapi"];
  if (file === undefined) return undefined;
  const params: ImportParams = {
    upstreamURL: values["upstream-url"],
    listenPath: values["listen-path"],
    customDomain: values["custom-domain"],
    apiID: values["api-id"],
    allowList: values["allow-list"],
    validateRequest: values["validate-request"],
    mockResponse: values["mock-response"],
    authentication: values.authentication,
  };
  return { file: resolve(cwd, file), params: Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined)) };
}

/** The directory to read, or the Tyk to read from and where to save it; or the message to print. */
function source(values: Flags, positionals: string[], cwd: string): Pick<SeedOptions, "dir" | "fromTyk"> | string {
  if (values["from-tyk"] === undefined) {
    if (values["save-to"] !== undefined) return "--save-to only applies to --from-tyk";
    if (positionals.length === 0 && values["import-openapi"] !== undefined) return { dir: undefined };
    if (positionals.length !== 1) return `expected exactly one directory, got ${positionals.length}`;
    return { dir: resolve(cwd, positionals[0]!) };
  }
  if (positionals.length > 0) return "--from-tyk reads from Tyk, not from a directory; drop the directory (or give it to --save-to)";
  const fromTyk = tykSource(values, process.env);
  if (typeof fromTyk === "string") return fromTyk;
  return { fromTyk, dir: values["save-to"] && resolve(cwd, values["save-to"]) };
}

/** Parses argv into seed options, or returns the message to print. */
function parseCli(argv: string[], cwd: string): { options: SeedOptions } | { message: string; exitCode: 0 | 2 } {
  const parsed = parseFlags(argv);
  if (parsed instanceof Error) return { message: `${parsed.message}\n\n${usage}`, exitCode: 2 };
  const { values, positionals } = parsed;
  if (values.help) return { message: usage, exitCode: 0 };
  const from = source(values, positionals, cwd);
  if (typeof from === "string") return { message: `${from}\n\n${usage}`, exitCode: 2 };
  const importFlags = importFlagNames.filter((name) => values[name] !== undefined);
  if (values["import-openapi"] === undefined && importFlags.length > 0)
    return { message: `--${importFlags[0]} only applies to --import-openapi\n\n${usage}`, exitCode: 2 };
  if (!isTarget(values.target)) return { message: `--target must be one of ${targets.join(", ")}\n\n${usage}`, exitCode: 2 };
  if (values["persist-to"] && values.target !== "local") return { message: "--persist-to only applies to --target local", exitCode: 2 };
  return {
    options: {
      ...from,
      target: values.target,
      env: values.env,
      dryRun: values["dry-run"],
      strict: values.strict,
      // The default is the project's own wrangler.toml, wherever the command was typed.
      configPath: values.config ? resolve(cwd, values.config) : resolve("wrangler.toml"),
      persistTo: values["persist-to"] && resolve(cwd, values["persist-to"]),
      hashKeys: values["hash-keys"],
      hashFunction: values["hash-function"],
      openApiImport: openApiImport(values, cwd),
    },
  };
}

async function main(): Promise<number> {
  // Under `npm run seed`, npm runs us from the project root and leaves the caller's directory in INIT_CWD.
  const cli = parseCli(process.argv.slice(2), process.env.INIT_CWD ?? process.cwd());
  if ("message" in cli) {
    (cli.exitCode === 0 ? console.log : console.error)(cli.message);
    return cli.exitCode;
  }
  return runSeed(cli.options, { info: (line) => console.log(line), error: (line) => console.error(line) });
}

process.exitCode = await main();
