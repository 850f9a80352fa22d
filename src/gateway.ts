import { ConfigCache } from "./cache/config-cache";
import { parseGatewayConfig, type GatewayConfig } from "./config";
import type { RateLimiter } from "./ratelimit/durable-object";
import { Limits } from "./ratelimit/service";
import { KeyStore } from "./session/key-store";
import { createStore, type Store } from "./store";

/** Worker bindings and vars, as declared in wrangler.toml. */
export interface Bindings {
  GATEWAY_KV?: KVNamespace;
  RATE_LIMITER?: DurableObjectNamespace<RateLimiter>;
  [name: string]: unknown;
}

/** Everything the gateway keeps for the life of an isolate. */
export interface Gateway {
  config: GatewayConfig;
  store: Store;
  configCache: ConfigCache;
  keys: KeyStore;
  limits: Limits;
}

const gateways = new WeakMap<object, Gateway>();

function createGateway(bindings: Bindings): Gateway {
  const config = parseGatewayConfig(bindings);
  const store = createStore(config.storage, bindings);
  return {
    config,
    store,
    configCache: new ConfigCache(store, { checkIntervalMs: config.configCheckMs, customDomains: config.enableCustomDomains }),
    keys: new KeyStore(store, config),
    limits: new Limits(config.limits, bindings.RATE_LIMITER, config.hashKeys),
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
