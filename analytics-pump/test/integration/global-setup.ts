import type { TestProject } from "vitest/node";
import { startClickHouseServer } from "./support/clickhouse-server";
import { startServiceControl } from "./support/control";
import { startPostgresServer } from "./support/postgres-server";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
    clickhouseUrl: string;
    serviceControlUrl: string;
  }
}

/**
 * Starts a real PostgreSQL cluster and a real ClickHouse server on loopback,
 * and the hook tests use to stop and restart them; teardown removes both.
 */
export default async function setup(project: TestProject) {
  const closers: (() => Promise<void>)[] = [];
  const teardown = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch((error: unknown) => console.error(error));
  };
  try {
    const postgres = await startPostgresServer();
    closers.push(() => postgres.dispose());
    const clickhouse = await startClickHouseServer();
    closers.push(() => clickhouse.dispose());
    const control = await startServiceControl({ postgres, clickhouse });
    closers.push(() => new Promise<void>((resolve) => control.server.close(() => resolve())));
    project.provide("postgresUrl", postgres.url);
    project.provide("clickhouseUrl", clickhouse.url);
    project.provide("serviceControlUrl", control.url);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
