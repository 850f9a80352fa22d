import type { GatewayConfig } from "../config";
import type { AnalyticsSender } from "../analytics/sender";
import type { Introspector } from "../auth/introspection";
import type { JwksCache } from "../auth/jwks";
import type { OidcDiscovery } from "../auth/oidc-discovery";
import type { VerifiedSignature } from "../auth/oidc-token";
import type { PasswordCheckCache } from "../auth/password-cache";
import type { CircuitBreaker } from "../breaker/durable-object";
import type { Breakers } from "../breaker/registry";
import type { MemoryTier } from "../cache/memory-tier";
import type { CertificateCache } from "../certs/cache";
import type { LruCache } from "../lib/lru";
import type { OAuthGrants } from "../oauth/grants-object";
import type { OAuthService } from "../oauth/service";
import type { RateLimiter } from "../ratelimit/durable-object";
import type { Limits } from "../ratelimit/service";
import type { RevocationFeed } from "../revocation";
import type { Revocations } from "../revocation/durable-object";
import type { KeyStore } from "../session/key-store";
import type { Session } from "../session/schema";
import type { ConfigCache } from "../snapshot/config-cache";
import type { Store } from "../store";
import type { CheckerArming } from "../uptime/arming";
import type { HostChecker } from "../uptime/host-checker";
import type { HostStatusCache } from "../uptime/host-status";
import type { ServedApi } from "./served-api";

/** A session with its policies merged for one org, valid for one config version. */
export interface MergedSession {
  version: string;
  orgId: string;
  /** null: the policies could not be applied, so the key is refused. */
  session: Session | null;
}

/** The session derived for one JWT identity, kept while the stored base session is the same object. */
export interface DerivedSession {
  base: Session | null;
  session: Session;
}

/**
 * Everything an isolate keeps between requests, in one place. Caches are
 * bounded LruCaches; the one WeakMap annotates session objects that the key
 * cache owns, so it lives and dies with them.
 */
export interface Gateway {
  config: GatewayConfig;
  store: Store;
  /** APIs, their chains and policies, swapped whole when the config version moves. */
  configCache: ConfigCache<ServedApi>;
  keys: KeyStore;
  /** Brings key changes and reloads from the Gateway API of any isolate within a bound; undefined without the REVOCATIONS binding. */
  revocations: RevocationFeed | undefined;
  limits: Limits;
  /** Circuit breakers this isolate has used, each backed by its CircuitBreaker object. */
  breakers: Breakers;
  /** Hosts each API's uptime tests found down, refreshed in the background from its HostChecker. */
  hostStatus: HostStatusCache;
  /** What the Cron Trigger runs: arms one HostChecker per API with uptime tests. */
  checkerArming: CheckerArming;
  jwks: JwksCache;
  /** Tyk's OAuth 2.0 server: clients, grants (in OAuthGrants objects) and tokens that become sessions. */
  oauth: OAuthService;
  /** The certificate store (`/tyk/certs`) as mutual TLS, certificate-bound keys and RSA signatures read it. */
  certificates: CertificateCache;
  /** OpenID Connect: each issuer's discovery document (its jwks_uri), and ID tokens whose signature verified. */
  oidc: { discovery: OidcDiscovery; verifiedTokens: LruCache<string, VerifiedSignature> };
  analytics: AnalyticsSender | undefined;
  caches: {
    passwordChecks: PasswordCheckCache;
    /** External OAuth token introspection answers, by a hash of the token. */
    introspections: Introspector;
    mergedSessions: WeakMap<Session, MergedSession>;
    jwtSessions: LruCache<string, DerivedSession>;
    /** Regexes compiled from keys' `allowed_urls` and endpoint limits, which arrive with sessions, not definitions. */
    sessionPatterns: LruCache<string, RegExp | null>;
    /** Imported JWT verification keys by algorithm and PEM. */
    verificationKeys: LruCache<string, Promise<CryptoKey | Uint8Array>>;
    /** Small response cache answers kept in memory in front of the Cache API (src/cache/memory-tier.ts). */
    responses: MemoryTier;
  };
}

/** Hono's view of the Worker: bindings from wrangler.toml and the isolate's gateway. */
export interface Bindings {
  GATEWAY_KV?: KVNamespace;
  RATE_LIMITER?: DurableObjectNamespace<RateLimiter>;
  CIRCUIT_BREAKER?: DurableObjectNamespace<CircuitBreaker>;
  HOST_CHECKER?: DurableObjectNamespace<HostChecker>;
  REVOCATIONS?: DurableObjectNamespace<Revocations>;
  OAUTH_GRANTS?: DurableObjectNamespace<OAuthGrants>;
  [name: string]: unknown;
}

export interface GatewayEnv {
  Bindings: Bindings;
  Variables: { gateway: Gateway };
}
