import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { SeedEntry } from "../plan";

/*
 * Workers KV through `wrangler kv bulk put`: one call for every entry, to the
 * local store `wrangler dev` reads (.wrangler/state unless --persist-to says
 * otherwise) or to the deployed namespace.
 */

export interface WranglerKvOptions {
  mode: "local" | "remote";
  configPath: string;
  env: string | undefined;
  /** Local only: the persistence directory, as `wrangler dev --persist-to`. */
  persistTo: string | undefined;
}

const kvBinding = "GATEWAY_KV";

/** The project's own wrangler, run with the Node running kv-seed. */
async function wranglerBin(): Promise<string> {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve("wrangler/package.json");
  const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as { bin: Record<string, string> };
  const bin = manifest.bin.wrangler;
  if (!bin) throw new Error("the installed wrangler package has no wrangler binary");
  return join(dirname(manifestPath), bin);
}

async function runWrangler(args: string[]): Promise<{ code: number; output: string }> {
  const bin = await wranglerBin();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

export function bulkPutArgs(file: string, options: WranglerKvOptions): string[] {
  const args = ["kv", "bulk", "put", file, "--binding", kvBinding, `--${options.mode}`, "--config", options.configPath];
  if (options.env) args.push("--env", options.env);
  if (options.mode === "local" && options.persistTo) args.push("--persist-to", options.persistTo);
  return args;
}

export async function writeWithWrangler(entries: SeedEntry[], options: WranglerKvOptions): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "kv-seed-"));
  try {
    const file = join(dir, "entries.json");
    await writeFile(file, JSON.stringify(entries), { mode: 0o600 });
    const { code, output } = await runWrangler(bulkPutArgs(file, options));
    if (code !== 0) throw new Error(`wrangler kv bulk put failed (exit ${code}):\n${output.trim()}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
