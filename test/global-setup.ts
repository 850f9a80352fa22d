import type { TestProject } from "vitest/node";
import { startEchoUpstream } from "./support/upstream";

declare module "vitest" {
  export interface ProvidedContext {
    upstreamUrl: string;
  }
}

/** Starts the loopback echo upstream the gateway proxies to during tests. */
export default async function setup(project: TestProject) {
  const { server, url } = await startEchoUpstream();
  project.provide("upstreamUrl", url);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
