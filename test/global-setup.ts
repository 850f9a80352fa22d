import type { TestProject } from "vitest/node";
import { startNotificationReceiver } from "./oauth/notification-receiver";
import { startCountingUpstream } from "./support/counting-upstream";
import { startDiscoveryServer } from "./support/discovery-server";
import { startErrorUpstreams } from "./support/error-upstream";
import { startFlakyUpstream } from "./support/flaky-upstream";
import { startIntrospectionServer } from "./support/introspection-server";
import { startJwksServer } from "./support/jwks-server";
import { startOidcProvider } from "./support/oidc-provider";
import { startSwitchableHosts } from "./support/switchable-hosts";
import { startEchoUpstream } from "./support/upstream";
import { startWebhookReceiver } from "./support/webhook-receiver";

declare module "vitest" {
  export interface ProvidedContext {
    upstreamUrl: string;
    jwksUrl: string;
    /** The loopback token introspection endpoint (test/support/introspection-server.ts); realms are `<url>/<name>`. */
    introspectionUrl: string;
    /** The loopback OpenID Connect provider (test/support/oidc-provider.ts); issuers are `<url>/<name>`. */
    oidcProviderUrl: string;
    /** The upstream circuit breaker tests switch between healthy and failing (test/support/flaky-upstream.ts). */
    flakyUpstreamUrl: string;
    discoveryUrl: string;
    /** Upstreams the uptime tests switch up and down, one port each (test/support/switchable-hosts.ts). */
    switchableHosts: string[];
    /** The error override tests' upstreams: error answers, and one that does not speak HTTP (test/support/error-upstream.ts). */
    errorUpstreamUrl: string;
    malformedUpstreamUrl: string;
    /** The upstream the response cache tests count requests on (test/support/counting-upstream.ts). */
    countingUpstreamUrl: string;
    /** Receives the OAuth server's key change notifications (test/oauth/notification-receiver.ts). */
    notificationReceiverUrl: string;
    /** The event tests' webhook target (test/support/webhook-receiver.ts). */
    webhookReceiverUrl: string;
  }
}

/** Starts the loopback echo upstream the gateway proxies to during tests, the JWKS endpoint the JWT tests use and the service discovery endpoint. */
export default async function setup(project: TestProject) {
  const { server, url } = await startEchoUpstream();
  project.provide("upstreamUrl", url);
  const jwks = await startJwksServer();
  project.provide("jwksUrl", jwks.url);
  const introspection = await startIntrospectionServer();
  project.provide("introspectionUrl", introspection.url);
  const oidc = await startOidcProvider();
  project.provide("oidcProviderUrl", oidc.url);
  const flaky = await startFlakyUpstream();
  project.provide("flakyUpstreamUrl", flaky.url);
  const discovery = await startDiscoveryServer();
  project.provide("discoveryUrl", discovery.url);
  const switchable = await startSwitchableHosts();
  project.provide("switchableHosts", switchable.urls);
  const errorUpstreams = await startErrorUpstreams();
  project.provide("errorUpstreamUrl", errorUpstreams.url);
  project.provide("malformedUpstreamUrl", errorUpstreams.malformedUrl);
  const counting = await startCountingUpstream();
  project.provide("countingUpstreamUrl", counting.url);
  const notifications = await startNotificationReceiver();
  project.provide("notificationReceiverUrl", notifications.url);
  const webhooks = await startWebhookReceiver();
  project.provide("webhookReceiverUrl", webhooks.url);
  return async () => {
    for (const server of errorUpstreams.servers) await new Promise<void>((resolve) => server.close(() => resolve()));
    for (const host of switchable.servers) await new Promise<void>((resolve) => host.close(() => resolve()));
    await new Promise<void>((resolve) => counting.server.close(() => resolve()));
    await new Promise<void>((resolve) => notifications.server.close(() => resolve()));
    await new Promise<void>((resolve) => webhooks.server.close(() => resolve()));
    await new Promise<void>((resolve) => discovery.server.close(() => resolve()));
    await new Promise<void>((resolve) => flaky.server.close(() => resolve()));
    await new Promise<void>((resolve) => jwks.server.close(() => resolve()));
    await new Promise<void>((resolve) => introspection.server.close(() => resolve()));
    await new Promise<void>((resolve) => oidc.server.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
