import * as z from "zod";

/*
 * Translates a Tyk Gateway `tyk.conf` into the Worker vars Portcullis reads
 * (Tyk's own `TYK_GW_*` override names), and names every setting that cannot
 * be carried over, with the reason. Pure: tyk-conf-cli.ts reads the file and
 * prints the result as TOML.
 */

export interface TranslatedVar {
  name: string;
  value: string;
  /** The tyk.conf path it came from, for a comment. */
  from: string;
  note?: string;
}

export interface NotCarried {
  path: string;
  reason: string;
}

export interface Translation {
  vars: TranslatedVar[];
  /** Settings that go into a Worker secret, never into wrangler.toml. */
  secrets: TranslatedVar[];
  notCarried: NotCarried[];
}

type Convert = (value: unknown) => string | null;

const scalar: Convert = (value) => (typeof value === "boolean" || typeof value === "number" || typeof value === "string" ? String(value) : null);
const commaList: Convert = (value) => (Array.isArray(value) && value.every((item) => typeof item === "string") ? value.join(",") : null);
/** Regular expressions may hold commas, so they go as a JSON array, which the gateway also reads. */
const jsonList: Convert = (value) => (Array.isArray(value) && value.every((item) => typeof item === "string") ? JSON.stringify(value) : null);
const jsonObject: Convert = (value) => (typeof value === "object" && value !== null && !Array.isArray(value) ? JSON.stringify(value) : null);

interface Carried {
  name: string;
  convert: Convert;
  note?: string;
}

/** tyk.conf paths Portcullis reads, and the variable each becomes. */
const carried: Record<string, Carried> = {
  hash_keys: { name: "TYK_GW_HASHKEYS", convert: scalar },
  hash_key_function: { name: "TYK_GW_HASHKEYFUNCTION", convert: scalar },
  hash_key_function_fallback: { name: "TYK_GW_HASHKEYFUNCTIONFALLBACK", convert: commaList },
  basic_auth_hash_key_function: { name: "TYK_GW_BASICAUTHHASHKEYFUNCTION", convert: scalar },
  enable_hashed_keys_listing: { name: "TYK_GW_ENABLEHASHEDKEYSLISTING", convert: scalar },
  allow_master_keys: { name: "TYK_GW_ALLOWMASTERKEYS", convert: scalar },
  min_token_length: { name: "TYK_GW_MINTOKENLENGTH", convert: scalar },
  health_check_endpoint_name: { name: "TYK_GW_HEALTHCHECKENDPOINTNAME", convert: scalar },
  hide_generator_header: { name: "TYK_GW_HIDEGENERATORHEADER", convert: scalar },
  enable_custom_domains: { name: "TYK_GW_ENABLECUSTOMDOMAINS", convert: scalar },
  "local_session_cache.cached_session_timeout": { name: "TYK_GW_LOCALSESSIONCACHE_CACHEDSESSIONTIMEOUT", convert: scalar },
  "liveness_check.check_duration": { name: "TYK_GW_LIVENESSCHECK_CHECKDURATION", convert: scalar },
  proxy_default_timeout: { name: "TYK_GW_PROXYDEFAULTTIMEOUT", convert: scalar },
  enable_analytics: { name: "TYK_GW_ENABLEANALYTICS", convert: scalar, note: "analytics also need the ANALYTICS_QUEUE binding (see docs/analytics.md)" },
  "analytics_config.ignored_ips": { name: "TYK_GW_ANALYTICSCONFIG_IGNOREDIPS", convert: commaList },
  "analytics_config.enable_detailed_recording": { name: "TYK_GW_ANALYTICSCONFIG_ENABLEDETAILEDRECORDING", convert: scalar },
  "analytics_config.normalise_urls.enabled": { name: "TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_ENABLED", convert: scalar },
  "analytics_config.normalise_urls.normalise_uuids": { name: "TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_NORMALISEUUIDS", convert: scalar },
  "analytics_config.normalise_urls.normalise_ulids": { name: "TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_NORMALISEULIDS", convert: scalar },
  "analytics_config.normalise_urls.normalise_numbers": { name: "TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_NORMALISENUMBERS", convert: scalar },
  "analytics_config.normalise_urls.custom": { name: "TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_CUSTOM", convert: jsonList },
  "uptime_tests.disable": { name: "TYK_GW_UPTIMETESTS_DISABLE", convert: scalar },
  "uptime_tests.config.failure_trigger_sample_size": { name: "TYK_GW_UPTIMETESTS_CONFIG_FAILURETRIGGERSAMPLESIZE", convert: scalar },
  "uptime_tests.config.time_wait": { name: "TYK_GW_UPTIMETESTS_CONFIG_TIMEWAIT", convert: scalar },
  "uptime_tests.config.enable_uptime_analytics": { name: "TYK_GW_UPTIMETESTS_CONFIG_ENABLEUPTIMEANALYTICS", convert: scalar },
  oauth_token_expire: { name: "TYK_GW_OAUTHTOKENEXPIRE", convert: scalar },
  oauth_refresh_token_expire: { name: "TYK_GW_OAUTHREFRESHEXPIRE", convert: scalar },
  oauth_error_status_code: { name: "TYK_GW_OAUTHERRORSTATUSCODE", convert: scalar },
  oauth_redirect_uri_separator: { name: "TYK_GW_OAUTHREDIRECTURISEPARATOR", convert: scalar },
  global_session_lifetime: { name: "TYK_GW_GLOBALSESSIONLIFETIME", convert: scalar },
  force_global_session_lifetime: { name: "TYK_GW_FORCEGLOBALSESSIONLIFETIME", convert: scalar },
  rate_limit_response_headers: { name: "TYK_GW_RATELIMITRESPONSEHEADERS", convert: scalar },
  error_overrides: { name: "TYK_GW_ERROROVERRIDES", convert: jsonObject },
  "db_app_conf_options.node_is_segmented": { name: "TYK_GW_DBAPPCONFOPTIONS_NODEISSEGMENTED", convert: scalar },
  "db_app_conf_options.tags": { name: "TYK_GW_DBAPPCONFOPTIONS_TAGS", convert: commaList },
};

/** Objects translated as one value rather than field by field. */
const wholeValues = new Set(["error_overrides"]);

const viaKvSeed = "API definitions and policies live in the gateway's store: load them with `npm run seed` (from files or --from-tyk)";
const redis =
  "Portcullis keeps no Redis connection: keys, APIs and policies are in Workers KV (TYK_GW_STORAGE_TYPE=kv) or Upstash Redis over REST (TYK_GW_STORAGE_TYPE=upstash with UPSTASH_REDIS_REST_URL and the UPSTASH_REDIS_REST_TOKEN secret); rate limits in Durable Objects";
const plugins = "plugins and the JavaScript middleware VM are not supported";
const connections = "the Workers runtime manages connections itself";

/** Settings (or whole sections, by prefix) Portcullis does not read, and why. Longest prefix wins. */
const reasons: Record<string, string> = {
  storage: redis,
  cache_storage: `${redis}; the response cache is the Cache API`,
  analytics_storage: redis,
  enable_separate_cache_store: redis,
  enable_separate_analytics_store: redis,
  listen_port: "a Worker listens where Cloudflare routes it: set `routes` or a custom domain in wrangler.toml",
  listen_address: "a Worker listens where Cloudflare routes it: set `routes` or a custom domain in wrangler.toml",
  hostname: "the hostnames a Worker answers on are its `routes` / custom domains in wrangler.toml",
  control_api_hostname: "the Gateway API (/tyk/) is served on the Worker's own hostnames",
  control_api_port: "the Gateway API (/tyk/) is served on the Worker's own hostnames",
  http_server_options: "Cloudflare terminates TLS and HTTP at its edge; certificates and ciphers are set for the zone, not the Worker",
  use_ssl: "Cloudflare terminates TLS at its edge",
  node_secret: "there are no separate node API calls to protect",
  policies: viaKvSeed,
  app_path: viaKvSeed,
  use_db_app_configs: viaKvSeed,
  "db_app_conf_options.connection_string": viaKvSeed,
  "db_app_conf_options.proxy": viaKvSeed,
  slave_options: "MDCB (slave_options) has no equivalent: every region reads the same store",
  template_path: "Tyk's HTML/XML error templates are not read; error bodies are Tyk's JSON, or error_overrides",
  tyk_js_path: plugins,
  middleware_path: plugins,
  enable_jsvm: plugins,
  jsvm_timeout: plugins,
  coprocess_options: plugins,
  enable_bundle_downloader: plugins,
  bundle_base_url: plugins,
  enable_coprocess: plugins,
  "analytics_config.type": "the analytics pump Worker decides where records go (see docs/analytics.md)",
  "analytics_config.enable_geo_ip": "the country comes from Cloudflare (request.cf.country); no GeoIP database is read",
  "analytics_config.geo_ip_db_path": "the country comes from Cloudflare (request.cf.country); no GeoIP database is read",
  "analytics_config.pool_size": "records are sent in batches through a Queue",
  "analytics_config.records_buffer_size": "records are sent in batches through a Queue",
  "analytics_config.storage_expiration_time": "retention is the pump's setting (docs/analytics.md)",
  "uptime_tests.config.checker_pool_size": "the Workers runtime schedules the uptime checks' requests",
  health_check: "Tyk's deprecated health-check API is not served; /hello is",
  suppress_redis_signal_reload: "reloads propagate through the store's config version, not Redis pub/sub",
  optimisations_use_async_session_write: "Portcullis decides when session state is written (see the README on rate limits and quotas)",
  max_idle_connections_per_host: connections,
  max_idle_connections: connections,
  close_connections: connections,
  proxy_close_connections: connections,
  max_conn_time: connections,
  enable_websockets: "WebSocket upgrades are proxied as the Workers runtime allows",
};

/** Leaves of the configuration, as dotted paths; arrays and whole-value objects are leaves. */
function leaves(value: unknown, prefix = ""): [string, unknown][] {
  if (typeof value !== "object" || value === null || Array.isArray(value) || wholeValues.has(prefix)) return prefix ? [[prefix, value]] : [];
  return Object.entries(value).flatMap(([key, child]) => leaves(child, prefix ? `${prefix}.${key}` : key));
}

function reasonFor(path: string): string {
  for (let prefix = path; prefix; prefix = prefix.includes(".") ? prefix.slice(0, prefix.lastIndexOf(".")) : "") {
    const reason = reasons[prefix];
    if (reason) return reason;
  }
  return "Portcullis does not read this setting";
}

export const tykConfSchema = z.record(z.string(), z.unknown());

/** Every leaf of `conf`: carried into a variable or a secret, or named with the reason it is not. */
export function translateTykConf(conf: z.infer<typeof tykConfSchema>): Translation {
  const translation: Translation = { vars: [], secrets: [], notCarried: [] };
  for (const [path, value] of leaves(conf)) {
    if (path === "secret") {
      if (value) translation.secrets.push({ name: "TYK_GW_SECRET", value: String(value), from: path });
      continue;
    }
    if (path === "local_session_cache.disable_cached_session_state") {
      if (value === true) translation.vars.push({ name: "TYK_GW_LOCALSESSIONCACHE_CACHEDSESSIONTIMEOUT", value: "0", from: path });
      continue;
    }
    const rule = carried[path];
    const converted = rule?.convert(value) ?? null;
    if (rule && converted !== null) translation.vars.push({ name: rule.name, value: converted, from: path, ...(rule.note ? { note: rule.note } : {}) });
    else if (rule) translation.notCarried.push({ path, reason: `${JSON.stringify(value)} is not a value ${rule.name} takes` });
    else translation.notCarried.push({ path, reason: reasonFor(path) });
  }
  addLegacyFallback(conf, translation);
  return translation;
}

/**
 * Tyk hashes keys made without a hash function (legacy `org_id + id` keys) with
 * murmur32; Portcullis finds them only when murmur32 is a fallback.
 */
function addLegacyFallback(conf: z.infer<typeof tykConfSchema>, translation: Translation): void {
  if (conf.hash_keys === false || conf.hash_key_function) return;
  const existing = translation.vars.find((entry) => entry.name === "TYK_GW_HASHKEYFUNCTIONFALLBACK");
  const note = "Tyk hashed keys made without hash_key_function with murmur32; this keeps them working";
  if (!existing) translation.vars.push({ name: "TYK_GW_HASHKEYFUNCTIONFALLBACK", value: "murmur32", from: "hash_key_function (unset)", note });
  else if (!existing.value.split(",").includes("murmur32")) Object.assign(existing, { value: `${existing.value},murmur32`, note });
}
