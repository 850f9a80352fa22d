import { readFile } from "node:fs/promises";
import { build } from "esbuild";

/*
 * The gateway Worker as one ES module, for Node tests that run several copies
 * of it (each its own isolate) in one Miniflare.
 */

export async function bundleGateway(): Promise<string> {
  const result = await build({
    entryPoints: ["src/index.ts"],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    external: ["cloudflare:*"],
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    write: false,
    logLevel: "error",
  });
  return result.outputFiles[0]!.text;
}

export async function compatibilityDate(): Promise<string> {
  const toml = await readFile("wrangler.toml", "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (!date) throw new Error("wrangler.toml has no compatibility_date");
  return date;
}
