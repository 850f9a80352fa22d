import type { TestProject } from "vitest/node";
import { startUpstashAdapter } from "../support/upstash-adapter";
import { startEchoUpstream } from "../support/upstream";
import { freePort, readHarness } from "./support/harness";
import { startRedisControl } from "./support/redis-control";
import { startRedisServer } from "./support/redis-server";

declare module "vitest" {
  export interface ProvidedContext {
    upstashUrl: string;
    upstashToken: string;
    redisControlUrl: string;
  }
}

type Closer = () => Promise<void>;

const closeServer = (server: { close(callback: () => void): unknown; closeAllConnections(): void }) => () =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/**
 * Starts a real redis-server, the Upstash REST adapter in front of it (on the
 * port the Worker's bindings name), the echo upstream and the redis control
 * hook; teardown stops all of them in reverse order.
 */
export default async function setup(project: TestProject) {
  const { adapterPort, token } = readHarness();
  const closers: Closer[] = [];
  const teardown = async () => {
    for (const close of closers.splice(0).reverse()) await close();
  };
  try {
    const redis = await startRedisServer(await freePort());
    closers.push(() => redis.dispose());
    const adapter = await startUpstashAdapter({ redisPort: redis.port, token, port: adapterPort });
    closers.push(() => adapter.close());
    const upstream = await startEchoUpstream();
    closers.push(closeServer(upstream.server));
    const control = await startRedisControl(redis);
    closers.push(closeServer(control.server));

    project.provide("upstreamUrl", upstream.url);
    project.provide("upstashUrl", adapter.url);
    project.provide("upstashToken", token);
    project.provide("redisControlUrl", control.url);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
