import { existsSync, readdirSync, readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { translateTykConf } from "../../../kv-seed/tyk-conf";
import { parseGatewayConfig } from "../../../src/config";
import { projectRoot, runNodeScript, tempDir } from "./support";

const fixture = join(import.meta.dirname, "fixtures", "tyk.conf");

/** The [vars] of a wrangler.toml made of a minimal Worker plus the printed block, as wrangler itself reads them. */
async function varsAsWranglerReadsThem(block: string, env?: string): Promise<Record<string, unknown>> {
  const dir = await tempDir();
  const config = join(dir, "wrangler.toml");
  await writeFile(config, `name = "translated"\nmain = "worker.js"\ncompatibility_date = "2025-01-01"\n\n${block}`);
  await writeFile(join(dir, "worker.js"), "export default {};\n");
  return unstable_readConfig({ config, env }, { hideWarnings: true }).vars;
}

/** The full tyk.conf of the Kubernetes guide in ../shared/seeds (001_*), or null when ../shared is not beside the repository. */
function sharedTykConf(): Record<string, unknown> | null {
  const seeds = join(projectRoot, "..", "shared", "seeds");
  const file = existsSync(seeds) ? readdirSync(seeds).find((name) => name.startsWith("001_")) : undefined;
  if (!file) return null;
  const text = readFileSync(join(seeds, file), "utf8");
  const block = /tyk\.conf: \|\n([\s\S]*?)\n```/.exec(text)?.[1];
  return block ? (JSON.parse(block) as Record<string, unknown>) : null;
}

const shared = sharedTykConf();
if (!shared) console.info("tyk-conf: ../shared/seeds/001_* not found beside the repository; skipping the guide's tyk.conf (the fixture covers the same keys)");

describe("npm run tyk-conf", () => {
  it("prints [env.<name>.vars] that wrangler reads back as the gateway's settings, the secret only as a command", async () => {
    const run = await runNodeScript("kv-seed/tyk-conf-cli.ts", [fixture, "--env", "staging"]);

    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain("fixture-secret-not-for-toml");
    expect(run.stdout).toContain("#   npx wrangler secret put TYK_GW_SECRET --env staging");
    const vars = await varsAsWranglerReadsThem(run.stdout, "staging");
    expect(vars).toEqual({
      TYK_GW_ENABLEANALYTICS: "true",
      TYK_GW_ANALYTICSCONFIG_IGNOREDIPS: "10.0.0.1,10.0.0.2",
      TYK_GW_ANALYTICSCONFIG_ENABLEDETAILEDRECORDING: "true",
      TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_ENABLED: "true",
      TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_NORMALISEUUIDS: "true",
      TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_NORMALISEULIDS: "false",
      TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_NORMALISENUMBERS: "true",
      TYK_GW_ANALYTICSCONFIG_NORMALISEURLS_CUSTOM: '["ord-[0-9]+","x{2,3}"]',
      TYK_GW_HASHKEYS: "true",
      TYK_GW_HASHKEYFUNCTION: "murmur64",
      TYK_GW_HASHKEYFUNCTIONFALLBACK: "sha256",
      TYK_GW_BASICAUTHHASHKEYFUNCTION: "bcrypt",
      TYK_GW_ENABLEHASHEDKEYSLISTING: "true",
      TYK_GW_ALLOWMASTERKEYS: "false",
      TYK_GW_MINTOKENLENGTH: "12",
      TYK_GW_HEALTHCHECKENDPOINTNAME: "healthz",
      TYK_GW_HIDEGENERATORHEADER: "true",
      TYK_GW_ENABLECUSTOMDOMAINS: "true",
      TYK_GW_LOCALSESSIONCACHE_CACHEDSESSIONTIMEOUT: "20",
      TYK_GW_LIVENESSCHECK_CHECKDURATION: "15",
      TYK_GW_PROXYDEFAULTTIMEOUT: "30",
      TYK_GW_UPTIMETESTS_DISABLE: "false",
      TYK_GW_UPTIMETESTS_CONFIG_ENABLEUPTIMEANALYTICS: "true",
      TYK_GW_UPTIMETESTS_CONFIG_FAILURETRIGGERSAMPLESIZE: "2",
      TYK_GW_UPTIMETESTS_CONFIG_TIMEWAIT: "5",
      TYK_GW_OAUTHTOKENEXPIRE: "7200",
      TYK_GW_OAUTHREFRESHEXPIRE: "86400",
      TYK_GW_OAUTHERRORSTATUSCODE: "401",
      TYK_GW_OAUTHREDIRECTURISEPARATOR: ";",
      TYK_GW_GLOBALSESSIONLIFETIME: "3600",
      TYK_GW_FORCEGLOBALSESSIONLIFETIME: "true",
      TYK_GW_RATELIMITRESPONSEHEADERS: "rate_limits",
      TYK_GW_ERROROVERRIDES: JSON.stringify(JSON.parse(await readFile(fixture, "utf8")).error_overrides),
      TYK_GW_DBAPPCONFOPTIONS_NODEISSEGMENTED: "true",
      TYK_GW_DBAPPCONFOPTIONS_TAGS: "eu,edge",
    });
    // The gateway takes them and means what tyk.conf meant.
    const config = parseGatewayConfig({ ...vars, ANALYTICS_QUEUE: { sendBatch: () => undefined } });
    expect(config).toMatchObject({ hashKeyFunction: "murmur64", minTokenLength: 12, healthCheckEndpointName: "healthz", sessionCacheMs: 20_000 });
    expect(config.region?.tags).toEqual(new Set(["eu", "edge"]));
    expect(config.errorOverrides).not.toBeNull();
  });

  it("names every setting it cannot carry over, with the reason", async () => {
    const run = await runNodeScript("kv-seed/tyk-conf-cli.ts", [fixture]);

    expect(run.stdout).toContain("[vars]\n");
    const notCarried = run.stdout.slice(run.stdout.indexOf("# Not carried over"));
    expect(notCarried).toContain("# Not carried over (24):");
    expect(notCarried).toMatch(/# {3}storage\.type, storage\.host, storage\.port, storage\.password: Portcullis keeps no Redis connection: .*Workers KV/);
    expect(notCarried).toMatch(/# {3}cache_storage\.type, cache_storage\.host: Portcullis keeps no Redis connection: .*the response cache is the Cache API/);
    expect(notCarried).toContain("#   listen_port: a Worker listens where Cloudflare routes it");
    expect(notCarried).toMatch(
      /# {3}app_path, use_db_app_configs, policies\.policy_source, policies\.policy_record_name: API definitions and policies live in the gateway's store/,
    );
    expect(notCarried).toContain("http_server_options.use_ssl, http_server_options.certificates: Cloudflare terminates TLS");
    expect(notCarried).toContain("slave_options.use_rpc: MDCB (slave_options) has no equivalent");
    expect(notCarried).toContain("#   some_future_setting: Portcullis does not read this setting");
    expect(notCarried).toContain("analytics_config.enable_geo_ip: the country comes from Cloudflare");
  });

  it("refuses a value the gateway would not take, and a file that is not tyk.conf JSON", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "bad.conf"), JSON.stringify({ hash_key_function: "md5", min_token_length: "long" }));
    await writeFile(join(dir, "notjson.conf"), "listen_port: 8080\n");

    const bad = await runNodeScript("kv-seed/tyk-conf-cli.ts", [join(dir, "bad.conf")]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('TYK_GW_HASHKEYFUNCTION = "md5" # hash_key_function');
    expect(bad.stderr).toMatch(/warning: the gateway would refuse these values: .*TYK_GW_HASHKEYFUNCTION.*TYK_GW_MINTOKENLENGTH/);

    const notJson = await runNodeScript("kv-seed/tyk-conf-cli.ts", [join(dir, "notjson.conf")]);
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toContain(`tyk-conf: ${join(dir, "notjson.conf")}: `);
  });

  it("keeps legacy keys of a Tyk without hash_key_function reachable through a murmur32 fallback", () => {
    const { vars } = translateTykConf({ hash_keys: true, hash_key_function_fallback: ["sha256"] });
    expect(vars).toContainEqual(expect.objectContaining({ name: "TYK_GW_HASHKEYFUNCTIONFALLBACK", value: "sha256,murmur32" }));
    expect(translateTykConf({ hash_keys: false }).vars).toEqual([{ name: "TYK_GW_HASHKEYS", value: "false", from: "hash_keys" }]);
  });

  it.skipIf(!shared)("accounts for every setting of the Kubernetes guide's full tyk.conf (../shared/seeds/001_*)", () => {
    const conf = shared!;
    const translation = translateTykConf(conf);
    const carried = translation.vars.filter((entry) => entry.from !== "hash_key_function (unset)");
    // Every leaf is a variable, the secret, or named as not carried; none is dropped silently. The one exception is
    // local_session_cache.disable_cached_session_state: false, which keeps the cache on as Portcullis does anyway.
    expect(conf.local_session_cache).toEqual({ disable_cached_session_state: false });
    const leafCount = (value: unknown): number =>
      typeof value === "object" && value !== null && !Array.isArray(value) ? Object.values(value).reduce<number>((n, child) => n + leafCount(child), 0) : 1;
    expect(carried.length + translation.secrets.length + translation.notCarried.length).toBe(leafCount(conf) - 1);
    expect(carried.map((entry) => entry.name)).toEqual(
      expect.arrayContaining(["TYK_GW_HASHKEYS", "TYK_GW_ENABLEANALYTICS", "TYK_GW_UPTIMETESTS_CONFIG_TIMEWAIT", "TYK_GW_GLOBALSESSIONLIFETIME"]),
    );
    expect(translation.notCarried.map((entry) => entry.path)).toEqual(
      expect.arrayContaining(["storage.host", "listen_port", "policies.policy_source", "node_secret"]),
    );
    expect(() =>
      parseGatewayConfig({ ...Object.fromEntries(carried.map((entry) => [entry.name, entry.value])), ANALYTICS_QUEUE: { sendBatch: () => undefined } }),
    ).not.toThrow();
  });
});
