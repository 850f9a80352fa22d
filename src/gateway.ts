import { AnalyticsSender } from "./analytics/sender";
import { Introspector } from "./auth/introspection";
import { defaultJwksOptions, JwksCache } from "./auth/jwks";
import { OidcDiscovery } from "./auth/oidc-discovery";
import { PasswordCheckCache } from "./auth/password-cache";
import { Breakers } from "./breaker/registry";
import { MemoryTier } from "./cache/memory-tier";
import { CertificateCache } from "./certs/cache";
import type { Feature } from "./chain/feature";
import type { Bindings, Gateway } from "./chain/gateway";
import type { ServedApi } from "./chain/served-api";
import { compileStoredApis } from "./compile";
import { parseGatewayConfig } from "./config";
import { LruCache } from "./lib/lru";
import { OAuthService } from "./oauth/service";
import { oauthSettings } from "./oauth/settings";
import { pipeline } from "./pipeline";
import { EdgeLimits } from "./ratelimit/edge";
import { Limits } from "./ratelimit/service";
import { createRevocationFeed } from "./revocation";
import { KeyStore } from "./session/key-store";
import { ConfigCache } from "./snapshot/config-cache";
import { createStore } from "./store";
import { CheckerArming } from "./uptime/arming";
import { checkerReader, HostStatusCache } from "./uptime/host-status";

const gateways = new WeakMap<object, Gateway>();

/** Bounds of the per-isolate caches; each evicts its least recently used entries. */
const cacheSizes = { jwtSessions: 10_000, sessionPatterns: 10_000, verificationKeys: 1_000, verifiedIdTokens: 2_000 };

/** The isolate's gateway; `features` is the pipeline (tests pass their own to replace the proxy). */
export function createGateway(bindings: Bindings, features: readonly Feature[] = pipeline): Gateway {
  const config = parseGatewayConfig(bindings);
  const store = createStore(config.storage, bindings);
  const queue = config.analytics.queue;
  const revocations = createRevocationFeed(
    bindings.REVOCATIONS,
    { boundMs: config.revocationBoundMs, holdSessions: config.storage.type === "kv" },
    {
      forgetKeys: (storageIds) => keys.forget(storageIds),
      forgetAllKeys: () => keys.forgetAll(),
      reloadConfig: () => configCache.refresh(),
      configVersion: () => configCache.servedVersion(),
    },
  );
  const configCache = new ConfigCache<ServedApi>(store, {
    checkIntervalMs: config.configCheckMs,
    customDomains: config.enableCustomDomains,
    compileApis: (documents) => compileStoredApis(documents, config, features),
    channel: revocations,
  });
  const keys = new KeyStore(store, config, revocations);
  return {
    config,
    store,
    configCache,
    keys,
    revocations,
    limits: new Limits(config.limits, bindings.RATE_LIMITER, config.hashKeys, EdgeLimits.from(bindings)),
    breakers: new Breakers(bindings.CIRCUIT_BREAKER),
    hostStatus: new HostStatusCache(checkerReader(bindings.HOST_CHECKER), config.uptime.statusRefreshMs),
    checkerArming: new CheckerArming(store, bindings.HOST_CHECKER, config.uptime, queue !== undefined),
    jwks: new JwksCache({ ...defaultJwksOptions, refreshCooldownMs: config.jwksRefreshCooldownMs }),
    oauth: new OAuthService(store, keys, oauthSettings(bindings), config.hashKeyFunction, bindings.OAUTH_GRANTS),
    certificates: new CertificateCache(store),
    oidc: { discovery: new OidcDiscovery(), verifiedTokens: new LruCache(cacheSizes.verifiedIdTokens) },
    analytics: queue ? new AnalyticsSender(queue) : undefined,
    caches: {
      passwordChecks: new PasswordCheckCache(),
      introspections: new Introspector(),
      mergedSessions: new WeakMap(),
      jwtSessions: new LruCache(cacheSizes.jwtSessions),
      sessionPatterns: new LruCache(cacheSizes.sessionPatterns),
      verificationKeys: new LruCache(cacheSizes.verificationKeys),
      responses: new MemoryTier(),
    },
  };
}

/** One gateway per isolate and environment: built on the first request, then reused. */
export function gatewayFor(bindings: Bindings): Gateway {
  let gateway = gateways.get(bindings);
  if (!gateway) {
    gateway = createGateway(bindings);
    gateways.set(bindings, gateway);
  }
  return gateway;
}
