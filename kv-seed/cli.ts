import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { runSeed, type SeedOptions, type TargetName } from "./seed";

const usage = `usage: npm run seed -- <dir> [options]

Validates a Tyk-style directory (apps/*.json, policies/policies.json, keys/*.json)
and writes it to the gateway's store. Nothing is written if any file is invalid.

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
  --help                         show this help`;

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
      },
    });
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** Parses argv into seed options, or returns the message to print. */
function parseCli(argv: string[], cwd: string): { options: SeedOptions } | { message: string; exitCode: 0 | 2 } {
  const parsed = parseFlags(argv);
  if (parsed instanceof Error) return { message: `${parsed.message}\n\n${usage}`, exitCode: 2 };
  const { values, positionals } = parsed;
  if (values.help) return { message: usage, exitCode: 0 };
  if (positionals.length !== 1) return { message: `expected exactly one directory, got ${positionals.length}\n\n${usage}`, exitCode: 2 };
  if (!isTarget(values.target)) return { message: `--target must be one of ${targets.join(", ")}\n\n${usage}`, exitCode: 2 };
  if (values["persist-to"] && values.target !== "local") return { message: "--persist-to only applies to --target local", exitCode: 2 };
  return {
    options: {
      dir: resolve(cwd, positionals[0]!),
      target: values.target,
      env: values.env,
      dryRun: values["dry-run"],
      strict: values.strict,
      // The default is the project's own wrangler.toml, wherever the command was typed.
      configPath: values.config ? resolve(cwd, values.config) : resolve("wrangler.toml"),
      persistTo: values["persist-to"] && resolve(cwd, values["persist-to"]),
      hashKeys: values["hash-keys"],
      hashFunction: values["hash-function"],
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
