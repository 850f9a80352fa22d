import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, stopProcess, waitFor } from "./processes";

/**
 * A throwaway ClickHouse server (Debian's `clickhouse-server`) with its data,
 * logs and config in a temp dir, HTTP and native ports on free loopback ports.
 */
export interface ClickHouseServer {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

const binary = "/usr/sbin/clickhouse-server";

const configXml = (dir: string, httpPort: number, tcpPort: number) => `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/error.log</errorlog></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
</yandex>
`;

const usersXml = `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

export async function startClickHouseServer(): Promise<ClickHouseServer> {
  if (!existsSync(binary)) throw new Error(`ClickHouse is not installed: apt-get install -y clickhouse-server (${binary} not found)`);
  const dir = mkdtempSync(join(tmpdir(), "portcullis-ch-"));
  const [httpPort, tcpPort] = [await freePort(), await freePort()];
  writeFileSync(join(dir, "config.xml"), configXml(dir, httpPort, tcpPort));
  writeFileSync(join(dir, "users.xml"), usersXml);
  const url = `http://127.0.0.1:${httpPort}`;
  let child: ChildProcess | undefined;

  const server: ClickHouseServer = {
    url,
    async start() {
      child = spawn(binary, [`--config-file=${join(dir, "config.xml")}`], { stdio: "ignore" });
      await waitFor("clickhouse-server", async () => (await fetch(`${url}/ping`)).ok);
    },
    async stop() {
      if (child) await stopProcess(child);
      child = undefined;
    },
    async dispose() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
