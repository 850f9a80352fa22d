import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configVersionEntry, planEntries } from "../../../kv-seed/plan";
import type { SeedSet } from "../../../kv-seed/read";
import { loadVars, seedSettings } from "../../../kv-seed/settings";
import { bulkPutArgs } from "../../../kv-seed/targets/wrangler-kv";
import { ConfigError } from "../../../src/config";
import { tempDir, validApi, validSession } from "./support";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

const seed: SeedSet = {
  apis: [{ file: "apps/orders.json", id: "orders", document: validApi(), warnings: [], notServed: false }],
  policies: [{ file: "policies/policies.json", id: "gold", document: { id: "gold", rate: 100, per: 1 } }],
  policyFiles: 1,
  keys: [{ file: "keys/dev.json", id: "dev-key-123", document: validSession() }],
  references: [],
};

describe("planEntries", () => {
  it("writes each document under the shared key layout, keys under their sha256 hash", async () => {
    const entries = await planEntries(seed, { hashKeys: true, hashKeyFunction: "sha256" });

    expect(entries).toEqual([
      { key: "tyk-api:orders", value: JSON.stringify(validApi()) },
      { key: "tyk-policy:gold", value: JSON.stringify({ id: "gold", rate: 100, per: 1 }) },
      { key: `apikey-${sha256("dev-key-123")}`, value: JSON.stringify(validSession()) },
    ]);
  });

  it("stores keys under the raw key string when hashing is off", async () => {
    const entries = await planEntries(seed, { hashKeys: false, hashKeyFunction: "sha256" });

    expect(entries.map((entry) => entry.key)).toEqual(["tyk-api:orders", "tyk-policy:gold", "apikey-dev-key-123"]);
  });

  it("hashes Tyk's base64 JSON keys whole, as the gateway looks them up", async () => {
    const token = Buffer.from(JSON.stringify({ org: "default", id: "abc", h: "sha256" })).toString("base64");
    const entries = await planEntries(
      { ...seed, apis: [], policies: [], keys: [{ file: "keys/t.json", id: token, document: {} }] },
      { hashKeys: true, hashKeyFunction: "sha256" },
    );

    expect(entries).toEqual([{ key: `apikey-${sha256(token)}`, value: "{}" }]);
  });

  it("stamps the config version with the seeding time", () => {
    expect(configVersionEntry(1_700_000_000_000)).toEqual({ key: "portcullis:config-version", value: "1700000000000-seed" });
  });
});

describe("seedSettings", () => {
  it("reads TYK_GW_HASHKEYS, TYK_GW_HASHKEYFUNCTION and TYK_GW_MINTOKENLENGTH with the gateway's defaults", () => {
    expect(seedSettings({}, {})).toEqual({ hashKeys: true, hashKeyFunction: "sha256", minTokenLength: 3 });
    expect(seedSettings({ TYK_GW_HASHKEYS: "false", TYK_GW_MINTOKENLENGTH: "8" }, {})).toEqual({
      hashKeys: false,
      hashKeyFunction: "sha256",
      minTokenLength: 8,
    });
  });

  it("lets flags override the vars and names the flag when it is bad", () => {
    expect(seedSettings({ TYK_GW_HASHKEYS: "true" }, { hashKeys: "false" }).hashKeys).toBe(false);
    expect(() => seedSettings({}, { hashKeys: "maybe" })).toThrowError(ConfigError);
    expect(() => seedSettings({}, { hashKeys: "maybe" })).toThrowError(/--hash-keys/);
    expect(() => seedSettings({}, { hashFunction: "md5" })).toThrowError(/--hash-function/);
    expect(() => seedSettings({ TYK_GW_HASHKEYFUNCTION: "md5" }, {})).toThrowError(/TYK_GW_HASHKEYFUNCTION/);
  });
});

describe("loadVars", () => {
  async function project(): Promise<string> {
    const dir = await tempDir();
    await writeFile(
      join(dir, "wrangler.toml"),
      [
        'name = "seed-vars-test"',
        'main = "index.ts"',
        'compatibility_date = "2026-11-01"',
        "[vars]",
        'TYK_GW_HASHKEYS = "true"',
        'TYK_GW_MINTOKENLENGTH = "5"',
        "[env.eu]",
        'vars = { TYK_GW_HASHKEYS = "false" }',
      ].join("\n"),
    );
    await writeFile(join(dir, ".dev.vars"), "TYK_GW_MINTOKENLENGTH=7\nTYK_GW_SECRET=local\n");
    return dir;
  }

  it("layers wrangler.toml vars, .dev.vars (local runs only) and the shell environment, like wrangler dev", async () => {
    const dir = await project();
    const configPath = join(dir, "wrangler.toml");

    const local = await loadVars({ configPath, env: undefined, includeDevVars: true }, {});
    expect(local).toMatchObject({ TYK_GW_HASHKEYS: "true", TYK_GW_MINTOKENLENGTH: "7" });

    const remote = await loadVars({ configPath, env: undefined, includeDevVars: false }, {});
    expect(remote).toMatchObject({ TYK_GW_HASHKEYS: "true", TYK_GW_MINTOKENLENGTH: "5" });

    const eu = await loadVars({ configPath, env: "eu", includeDevVars: false }, {});
    expect(eu.TYK_GW_HASHKEYS).toBe("false");
    expect(eu.TYK_GW_MINTOKENLENGTH).toBeUndefined();

    const shell = await loadVars({ configPath, env: undefined, includeDevVars: true }, { TYK_GW_HASHKEYS: "false", PATH: "/bin" });
    expect(shell.TYK_GW_HASHKEYS).toBe("false");
    expect(shell.PATH).toBeUndefined();
  });
});

describe("bulkPutArgs", () => {
  it("targets the GATEWAY_KV binding locally (with the persistence dir) or remotely (with the environment)", () => {
    expect(bulkPutArgs("/tmp/e.json", { mode: "local", configPath: "/p/wrangler.toml", env: undefined, persistTo: "/tmp/state" })).toEqual([
      "kv",
      "bulk",
      "put",
      "/tmp/e.json",
      "--binding",
      "GATEWAY_KV",
      "--local",
      "--config",
      "/p/wrangler.toml",
      "--persist-to",
      "/tmp/state",
    ]);
    expect(bulkPutArgs("/tmp/e.json", { mode: "remote", configPath: "/p/wrangler.toml", env: "eu", persistTo: "/tmp/state" })).toEqual([
      "kv",
      "bulk",
      "put",
      "/tmp/e.json",
      "--binding",
      "GATEWAY_KV",
      "--remote",
      "--config",
      "/p/wrangler.toml",
      "--env",
      "eu",
    ]);
  });
});
