import { ConfigError, parseGatewayConfig } from "../src/config";
import type { HashAlgorithm } from "../src/session/keys";

/*
 * The gateway settings kv-seed must agree with (key hashing, minimum key
 * length), read from the same places the gateway reads them: wrangler.toml
 * `vars` for the chosen environment, `.dev.vars` for local runs, and the
 * seeding shell's own environment on top.
 */

export type Vars = Record<string, string | undefined>;

export interface SeedSettings {
  hashKeys: boolean;
  hashKeyFunction: HashAlgorithm;
  minTokenLength: number;
}

export interface SettingFlags {
  hashKeys?: string;
  hashFunction?: string;
}

export interface VarSources {
  configPath: string;
  env: string | undefined;
  /** `.dev.vars` only configures local runs; a remote Worker never sees it. */
  includeDevVars: boolean;
}

/** Worker vars as `wrangler dev` resolves them, then process.env over them. */
export async function loadVars(sources: VarSources, processEnv: Vars = process.env): Promise<Vars> {
  // Imported lazily: wrangler takes a couple of seconds to load and is only needed here.
  const wrangler = await import("wrangler");
  const config = wrangler.unstable_readConfig({ config: sources.configPath, env: sources.env }, { hideWarnings: true });
  const vars: Vars = {};
  const configured = sources.includeDevVars
    ? Object.entries(wrangler.unstable_getVarsForDev(config.configPath, undefined, config.vars, sources.env, true)).map(
        ([name, binding]) => [name, binding.value] as const,
      )
    : Object.entries(config.vars);
  for (const [name, value] of configured) vars[name] = typeof value === "string" ? value : JSON.stringify(value);
  for (const [name, value] of Object.entries(processEnv)) {
    if (value !== undefined && (name.startsWith("TYK_GW_") || name.startsWith("UPSTASH_REDIS_"))) vars[name] = value;
  }
  return vars;
}

/** Flags win over vars; values are parsed by the gateway's own config schema. */
export function seedSettings(vars: Vars, flags: SettingFlags): SeedSettings {
  try {
    const config = parseGatewayConfig({
      TYK_GW_HASHKEYS: flags.hashKeys ?? vars.TYK_GW_HASHKEYS,
      TYK_GW_HASHKEYFUNCTION: flags.hashFunction ?? vars.TYK_GW_HASHKEYFUNCTION,
      TYK_GW_MINTOKENLENGTH: vars.TYK_GW_MINTOKENLENGTH,
    });
    return { hashKeys: config.hashKeys, hashKeyFunction: config.hashKeyFunction, minTokenLength: config.minTokenLength };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const message = error.message
      .replace("TYK_GW_HASHKEYS", flags.hashKeys === undefined ? "TYK_GW_HASHKEYS" : "--hash-keys")
      .replace("TYK_GW_HASHKEYFUNCTION", flags.hashFunction === undefined ? "TYK_GW_HASHKEYFUNCTION" : "--hash-function");
    throw new ConfigError(message);
  }
}
