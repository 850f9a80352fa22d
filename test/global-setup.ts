import type { TestProject } from "vitest/node";
import { startDiscoveryServer } from "./support/discovery-server";
import { startFlakyUpstream } from "./support/flaky-upstream";
import { startJwksServer } from "./support/jwks-server";
import { startSwitchableHosts } from "./support/switchable-hosts";
import { startEchoUpstream } from "./support/upstream";

declare module "vitest" {
  export interface ProvidedContext {
    upstreamUrl: string;
    jwksUrl: string;
    /** The upstream circuit breaker tests switch between healthy and failing (test/support/flaky-upstream.ts). */
    flakyUpstreamUrl: string;
    discoveryUrl: string;
    /** Upstreams the uptime tests switch up and down, one port each (test/support/switchable-hosts.ts). */
    switchableHosts: string[];
  }
}

/** Starts the loopback echo upstream the gateway proxies to during tests, the JWKS endpoint the JWT tests use and the service discovery endpoint. */
export default async function setup(project: TestProject) {
  const { server, url } = await startEchoUpstream();
  project.provide("upstreamUrl", url);
  const jwks = await startJwksServer();
  project.provide("jwksUrl", jwks.url);
  const flaky = await startFlakyUpstream();
  project.provide("flakyUpstreamUrl", flaky.url);
  const discovery = await startDiscoveryServer();
  project.provide("discoveryUrl", discovery.url);
  const switchable = await startSwitchableHosts();
  project.provide("switchableHosts", switchable.urls);
  return async () => {
    for (const host of switchable.servers) await new Promise<void>((resolve) => host.close(() => resolve()));
    await new Promise<void>((resolve) => discovery.server.close(() => resolve()));
    await new Promise<void>((resolve) => flaky.server.close(() => resolve()));
    await new Promise<void>((resolve) => jwks.server.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
