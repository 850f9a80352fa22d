import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, parseGatewayConfig } from "../src/config";
import { type Translation, translateTykConf, tykConfSchema } from "./tyk-conf";

/*
 * `npm run tyk-conf -- path/to/tyk.conf [--env name]`: prints the wrangler.toml
 * `[vars]` block equivalent to a tyk.conf, with every setting it cannot carry
 * over listed as comments, so the whole output can be pasted as it is.
 */

const usage = `usage: npm run tyk-conf -- <tyk.conf> [--env <name>]

Prints the wrangler.toml [vars] (or [env.<name>.vars]) block for the settings of a Tyk
Gateway tyk.conf that Portcullis reads, and names every setting it cannot carry over.`;

/** A TOML basic string: JSON's escapes are all valid TOML escapes. */
const tomlString = (value: string) => JSON.stringify(value);

const envNamePattern = /^[A-Za-z0-9_-]+$/;

/** Settings not carried over, grouped under their shared reason, in first-seen order. */
function byReason(translation: Translation): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const { path, reason } of translation.notCarried) groups.set(reason, [...(groups.get(reason) ?? []), path]);
  return groups;
}

export function renderToml(translation: Translation, source: string, env: string | undefined): string {
  const lines = [`# From ${source} by \`npm run tyk-conf\`.`];
  if (env) lines.push("# wrangler does not inherit [vars] into environments: every variable an environment needs is listed here.");
  lines.push(env ? `[env.${env}.vars]` : "[vars]");
  for (const entry of translation.vars) {
    lines.push(`${entry.name} = ${tomlString(entry.value)} # ${entry.from}${entry.note ? `: ${entry.note}` : ""}`);
  }
  if (translation.secrets.length > 0) {
    lines.push("", "# Secrets: never in wrangler.toml. Set them with:");
    for (const entry of translation.secrets)
      lines.push(`#   npx wrangler secret put ${entry.name}${env ? ` --env ${env}` : ""}   # the value of ${entry.from} in tyk.conf`);
  }
  if (translation.notCarried.length > 0) {
    lines.push("", `# Not carried over (${translation.notCarried.length}):`);
    for (const [reason, paths] of byReason(translation)) lines.push(`#   ${paths.join(", ")}: ${reason}`);
  }
  return `${lines.join("\n")}\n`;
}

/** What the gateway's own config schema says about the translated values, or null when it takes them. */
function gatewayObjection(translation: Translation): string | null {
  try {
    // A placeholder queue: whether the ANALYTICS binding exists is wrangler.toml's business, not tyk.conf's.
    parseGatewayConfig({ ...Object.fromEntries(translation.vars.map((entry) => [entry.name, entry.value])), ANALYTICS_QUEUE: { sendBatch: () => undefined } });
    return null;
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
}

async function main(argv: string[], cwd: string): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: { env: { type: "string" }; help: { type: "boolean" } } }>>;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { env: { type: "string" }, help: { type: "boolean" } } });
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (positionals.length !== 1) {
    console.error(`expected exactly one tyk.conf, got ${positionals.length}\n\n${usage}`);
    return 2;
  }
  if (values.env !== undefined && !envNamePattern.test(values.env)) {
    console.error("--env must be a wrangler environment name (letters, digits, - and _)");
    return 2;
  }
  const path = resolve(cwd, positionals[0]!);
  let conf: unknown;
  try {
    conf = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    console.error(`tyk-conf: ${path}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const object = tykConfSchema.safeParse(conf);
  if (!object.success) {
    console.error(`tyk-conf: ${path}: must be a JSON object, as tyk.conf is`);
    return 1;
  }
  const translation = translateTykConf(object.data);
  process.stdout.write(renderToml(translation, positionals[0]!, values.env));
  const objection = gatewayObjection(translation);
  if (objection) console.error(`warning: the gateway would refuse these values: ${objection}`);
  return objection ? 1 : 0;
}

// Under `npm run`, npm runs us from the project root and leaves the caller's directory in INIT_CWD.
if (import.meta.main) process.exitCode = await main(process.argv.slice(2), process.env.INIT_CWD ?? process.cwd());
