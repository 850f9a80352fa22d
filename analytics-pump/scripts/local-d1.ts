/*
 * Reads the local D1 database that the pump fills under `npm start`, with
 * `wrangler d1 execute --local` against the same persistence directory as
 * `wrangler dev` (`--persist-to`).
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as z from "zod";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

function wrangler(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve("wrangler/package.json");
  return join(dirname(manifest), (require(manifest) as { bin: { wrangler: string } }).bin.wrangler);
}

/**
 * The rows of one query, or undefined when a table it reads does not exist
 * yet (the pump creates them on its first batch). Any other failure ends the
 * process with wrangler's output.
 */
export function queryLocalD1<T>(query: string, row: z.ZodType<T>, persistTo: string): T[] | undefined {
  const args = ["d1", "execute", "ANALYTICS_DB", "--local", "--config", "analytics-pump/wrangler.toml", "--persist-to", persistTo, "--json"];
  const result = spawnSync(process.execPath, [wrangler(), ...args, "--command", query], { cwd: root, encoding: "utf8" });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) {
    if (output.includes("no such table")) return undefined;
    console.error(output.trim());
    process.exit(result.status ?? 1);
  }
  const parsed = z.array(z.object({ results: z.array(row) })).safeParse(JSON.parse(result.stdout));
  if (!parsed.success) {
    console.error(`unexpected output from wrangler d1 execute:\n${result.stdout}`);
    process.exit(1);
  }
  return parsed.data[0]?.results ?? [];
}
