import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterEach } from "vitest";
import { getPlatformProxy } from "wrangler";

export const projectRoot = resolve(import.meta.dirname, "../../..");

const created: string[] = [];

afterEach(async () => {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A temp directory removed after the test. */
export async function tempDir(prefix = "kv-seed-test-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Writes files (objects as JSON, strings verbatim) into a new temp directory. */
export async function seedDir(files: Record<string, unknown>): Promise<string> {
  const dir = await tempDir();
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), typeof content === "string" ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real kv-seed CLI in a child Node process from the project root. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runNodeScript("kv-seed/cli.ts", args, env);
}

/** Runs a TypeScript script of the project in a child Node process from the project root. */
export function runNodeScript(script: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  // The test runner's own TYK_GW_* / UPSTASH_* must not leak into the child's settings.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("TYK_GW_") && !name.startsWith("UPSTASH_REDIS_") && name !== "INIT_CWD"),
  );
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      cwd: projectRoot,
      env: { ...inherited, WRANGLER_SEND_METRICS: "false", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code: code ?? 1, stdout, stderr }));
  });
}

export const validApi = (overrides: Record<string, unknown> = {}) => ({
  api_id: "orders",
  name: "Orders",
  org_id: "default",
  use_keyless: true,
  proxy: { listen_path: "/orders/", target_url: "http://127.0.0.1:9", strip_listen_path: true },
  version_data: { not_versioned: true, versions: { Default: { name: "Default" } } },
  ...overrides,
});

export const validSession = (overrides: Record<string, unknown> = {}) => ({
  org_id: "default",
  rate: 10,
  per: 1,
  quota_max: -1,
  access_rights: { orders: { api_id: "orders", api_name: "Orders", versions: ["Default"] } },
  ...overrides,
});

/** Everything in the local KV under `persistTo`, read back through Miniflare as wrangler dev would. */
export async function readLocalKv(persistTo: string): Promise<Record<string, string>> {
  // getPlatformProxy takes the versioned state directory that `--persist-to` appends "v3" to.
  const proxy = await getPlatformProxy<{ GATEWAY_KV: KVNamespace }>({
    configPath: join(projectRoot, "wrangler.toml"),
    persist: { path: join(persistTo, "v3") },
  });
  try {
    const kv = proxy.env.GATEWAY_KV;
    const { keys } = await kv.list();
    const values = await Promise.all(keys.map((key) => kv.get(key.name)));
    return Object.fromEntries(keys.map((key, index) => [key.name, values[index] ?? ""]));
  } finally {
    await proxy.dispose();
  }
}

export function documentsOf(store: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(store)
      .filter(([key]) => key !== "portcullis:config-version")
      .map(([key, value]) => [key, JSON.parse(value)]),
  );
}
