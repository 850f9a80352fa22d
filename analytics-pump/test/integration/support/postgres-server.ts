import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, run } from "./processes";

/**
 * A throwaway PostgreSQL cluster: `initdb` into a temp dir, `pg_ctl` on a free
 * loopback port, a password for TCP clients (Hyperdrive bindings insist on
 * one). PostgreSQL refuses to run
 * as root, so under root (CI) it runs as the `postgres` user Debian creates.
 */
export interface PostgresServer {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

function binDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((version) => join(root, version, "bin")).find((dir) => existsSync(join(dir, "initdb")));
  if (!found) throw new Error("PostgreSQL is not installed: apt-get install -y postgresql (initdb not found under /usr/lib/postgresql/*/bin)");
  return found;
}

export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), "portcullis-pg-"));
  const data = join(dir, "data");
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, Number(await run("id", ["-u", "postgres"])), Number(await run("id", ["-g", "postgres"])));
  const pg = (tool: string, args: string[]) => (asRoot ? run("runuser", ["-u", "postgres", "--", join(bin, tool), ...args]) : run(join(bin, tool), args));

  const password = randomBytes(12).toString("hex");
  const passwordFile = join(dir, "password");
  writeFileSync(passwordFile, password, { mode: 0o644 });
  await pg("initdb", ["-D", data, "-U", "portcullis", "--pwfile", passwordFile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-sync"]);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c full_page_writes=off`;
  const server: PostgresServer = {
    url: `postgres://portcullis:${password}@127.0.0.1:${port}/postgres`,
    start: async () => void (await pg("pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "server.log"), "-w", "-t", "60", "start"])),
    stop: async () => void (await pg("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"])),
    dispose: async () => {
      await server.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
