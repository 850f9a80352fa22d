import { spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { delimiter, dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { unstable_readConfig } from "wrangler";

export interface WorkerConfig {
  compatibilityDate: string;
  compatibilityFlags: string[];
  vars: Record<string, string>;
}

export interface Bundle {
  scriptPath: string;
  bytes: number;
  gzipBytes: number;
  /** Bytes per source package, largest first (from esbuild's `// path` module markers). */
  composition: { source: string; bytes: number }[];
}

/** The settings of a wrangler config the bench must reproduce: compatibility and plain-text vars. */
export function readWorkerConfig(configPath: string): WorkerConfig {
  const config = unstable_readConfig({ config: configPath, env: undefined }, {});
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(config.vars ?? {})) vars[name] = typeof value === "string" ? value : JSON.stringify(value);
  if (!config.compatibility_date) throw new Error(`${configPath} has no compatibility_date`);
  return { compatibilityDate: config.compatibility_date, compatibilityFlags: config.compatibility_flags ?? [], vars };
}

/** A module's path as esbuild names it in its `// path` marker, shortened to start at node_modules/ or the repo. */
function modulePath(marker: string): string {
  const at = marker.lastIndexOf("node_modules/");
  return at >= 0 ? marker.slice(at) : marker.replace(/^(\.\.\/)+/, "");
}

/** Where each bundled module starts (0-based line and character offset), from esbuild's `// path` markers. */
export function bundledModules(source: string): { line: number; offset: number; path: string }[] {
  const modules: { line: number; offset: number; path: string }[] = [];
  let line = 0;
  let offset = 0;
  for (const text of source.split("\n")) {
    const match = /^\/\/ (\S+\.[cm]?[jt]sx?)$/.exec(text);
    if (match) modules.push({ line, offset, path: modulePath(match[1]!) });
    line += 1;
    offset += text.length + 1;
  }
  return modules;
}

/** The npm package a bundled module comes from, or "src" for the gateway's own code. */
export function packageOf(path: string): string {
  const parts = path.split("/");
  if (parts[0] !== "node_modules") return parts[0] ?? path;
  const name = parts[1] ?? "";
  return name.startsWith("@") ? `${name}/${parts[2] ?? ""}` : name;
}

function composition(source: string): { source: string; bytes: number }[] {
  const modules = bundledModules(source);
  const sizes = new Map<string, number>();
  modules.forEach((module, index) => {
    const end = modules[index + 1]?.offset ?? source.length;
    const name = packageOf(module.path);
    sizes.set(name, (sizes.get(name) ?? 0) + end - module.offset);
  });
  return [...sizes].map(([name, bytes]) => ({ source: name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
      // The bench's own Node first, so npx and wrangler run on the same version.
      env: { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}`, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} failed (${code}):\n${output}`))));
  });
}

/**
 * Bundles a Worker exactly as `wrangler deploy` would, without uploading.
 * `compatibility` overrides the config's own date and flags so every
 * contestant runs with the gateway's.
 */
export async function bundleWorker(configPath: string, outdir: string, cwd: string, compatibility?: WorkerConfig): Promise<Bundle> {
  const args = ["wrangler", "deploy", "--dry-run", "--config", configPath, "--outdir", outdir, "--env="];
  if (compatibility) {
    args.push("--compatibility-date", compatibility.compatibilityDate);
    for (const flag of compatibility.compatibilityFlags) args.push(`--compatibility-flags=${flag}`);
  }
  await run("npx", args, cwd);
  const scriptPath = join(outdir, "index.js");
  const source = await readFile(scriptPath);
  return {
    scriptPath,
    bytes: source.length,
    gzipBytes: gzipSync(source, { level: 9 }).length,
    composition: composition(source.toString("utf8")),
  };
}

/** A Worker that answers 200 to everything and does nothing else: with the gateway's bindings, the start-up baseline for its bundle. */
export async function emptyWorker(outdir: string): Promise<Bundle> {
  const source = 'export default { fetch() { return new Response("ok"); } };\n';
  await mkdir(outdir, { recursive: true });
  const scriptPath = join(outdir, "index.js");
  await writeFile(scriptPath, source);
  return { scriptPath, bytes: source.length, gzipBytes: gzipSync(source, { level: 9 }).length, composition: [] };
}
