import type { TestProject } from "vitest/node";
import { startJwksServer } from "./support/jwks-server";
import { startEchoUpstream } from "./support/upstream";

declare module "vitest" {
  export interface ProvidedContext {
    upstreamUrl: string;
    jwksUrl: string;
  }
}

/** Starts the loopback echo upstream the gateway proxies to during tests, and the JWKS endpoint the JWT tests use. */
export default async function setup(project: TestProject) {
  const { server, url } = await startEchoUpstream();
  project.provide("upstreamUrl", url);
  const jwks = await startJwksServer();
  project.provide("jwksUrl", jwks.url);
  return async () => {
    await new Promise<void>((resolve) => jwks.server.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
