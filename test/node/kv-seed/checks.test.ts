import { readdir } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { readSeedDir } from "../../../kv-seed/read";
import { runCli, seedDir, tempDir, validApi, validSession } from "./support";

/*
 * kv-seed applies the Gateway API's write rules (ids, lengths, upstream
 * schemes, nesting, numbers, the route check from the same module) and two of
 * its own: a key repeated in one JSON object is an error, and keys or policies
 * naming APIs or policies the directory does not define are warnings
 * (errors under --strict).
 */

const options = { minTokenLength: 3 };

describe("kv-seed: repeated JSON keys", () => {
  it("refuses a policies.json whose map names a policy twice, naming the file and the key", async () => {
    const dir = await seedDir({
      "policies/policies.json": '{ "gold": { "rate": 1, "per": 1 }, "silver": {}, "gold": { "rate": 1000, "per": 1 } }',
    });
    expect(await readSeedDir(dir, options)).toEqual({
      ok: false,
      errors: ['policies/policies.json: top level: key "gold" appears more than once (JSON keeps only the last)'],
    });
  });

  it("refuses a key file or definition with a field given twice, naming where", async () => {
    const key = JSON.stringify(validSession()).replace('"rate":10', '"rate":10,"rate":100000');
    const api = JSON.stringify(validApi()).replace('"strip_listen_path":true', '"strip_listen_path":true,"target_url":"http://127.0.0.1:8"');
    const dir = await seedDir({ "keys/abc.json": key, "apps/orders.json": api });
    expect(await readSeedDir(dir, options)).toEqual({
      ok: false,
      errors: [
        'apps/orders.json: proxy: key "target_url" appears more than once (JSON keeps only the last)',
        'keys/abc.json: top level: key "rate" appears more than once (JSON keeps only the last)',
      ],
    });
  });
});

describe("kv-seed: references to what the directory does not define", () => {
  const files = {
    "apps/orders.json": validApi(),
    "policies/policies.json": { gold: { rate: 1, per: 1, access_rights: { orders: { api_id: "orders" }, billing: { api_id: "billing" } } } },
    "keys/abc.json": validSession({ apply_policies: ["gold", "platinum"], access_rights: { orders: { api_id: "orders" }, ghost: { api_id: "ghost" } } }),
    "keys/legacy.json": validSession({ apply_policy_id: "bronze" }),
  };
  const expected = [
    'policies/policies.json: gold.access_rights: API "billing" is not defined in apps/',
    'keys/abc.json: apply_policies: policy "platinum" is not defined in policies/',
    'keys/abc.json: access_rights: API "ghost" is not defined in apps/',
    'keys/legacy.json: apply_policy_id: policy "bronze" is not defined in policies/',
  ];

  it("lists each with the file and field", async () => {
    const result = await readSeedDir(await seedDir(files), options);
    expect(result.ok && result.seed.references).toEqual(expected);
  });

  it("warns and writes by default; writes nothing under --strict", async () => {
    const dir = await seedDir(files);
    const persistTo = await tempDir();

    const dryRun = await runCli([dir, "--dry-run", "--persist-to", persistTo]);
    expect(dryRun.code).toBe(0);
    for (const line of expected) expect(dryRun.stderr).toContain(`${line} (it must already be in the store)`);

    const strict = await runCli([dir, "--strict", "--persist-to", persistTo]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain("kv-seed: --strict: 4 references to APIs or policies this directory does not define; nothing was written");
    expect(await readdir(persistTo)).toEqual([]);
  });
});

describe("kv-seed: the Gateway API's write rules", () => {
  it("refuses what the Gateway API refuses, each with its file and field", async () => {
    const dir = await seedDir({
      "apps/file-target.json": validApi({ api_id: "file-target", proxy: { listen_path: "/f/", target_url: "file:///etc/passwd" } }),
      "apps/bidi.json": validApi({ api_id: "admin\u202etxt", proxy: { listen_path: "/b/", target_url: "http://127.0.0.1:9" } }),
      "apps/long-path.json": validApi({ api_id: "long-path", proxy: { listen_path: `/${"a".repeat(1100)}`, target_url: "http://127.0.0.1:9" } }),
      "apps/deep.json": `{"api_id":"deep","x":${"[".repeat(100)}${"]".repeat(100)}}`,
      "apps/surrogate.json": JSON.stringify(validApi({ name: "SURROGATE" })).replace('"SURROGATE"', '"\\ud800"'),
      "policies/policies.json": { [`p${"o".repeat(600)}`]: { rate: 1, per: 1 }, fraction: { quota_max: 2.5 } },
      "keys/lifetime.json": validSession({ session_lifetime: 1e12 }),
    });
    const result = await readSeedDir(dir, options);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors).toEqual([
      "apps/bidi.json: api_id: must not contain control characters or bidirectional text marks",
      "apps/deep.json: invalid JSON: nests deeper than 64 levels",
      "apps/file-target.json: proxy.target_url: must be an http or https URL",
      "apps/long-path.json: proxy.listen_path: must be at most 1024 characters",
      "apps/surrogate.json: name: must be valid Unicode text (it has a lone surrogate)",
      expect.stringMatching(/^policies\/policies\.json: policy id "po+" is too long: 612 bytes as a storage key, over the store's limit of 512$/),
      "policies/policies.json: fraction.quota_max: Invalid input: expected int, received number",
      "keys/lifetime.json: session_lifetime: must be at most 2147483647 seconds (about 68 years)",
    ]);
  });

  it("refuses, unhashed, a key string too long to be a storage key", async () => {
    const dir = await seedDir({ "keys/long.json": { ...validSession(), key: "k".repeat(600) } });
    const result = await readSeedDir(dir, { minTokenLength: 3, hashKeys: false });
    expect(!result.ok && result.errors).toEqual([
      "keys/long.json: key: is too long: 607 bytes as a storage key, over the store's limit of 512 (keys are stored unhashed)",
    ]);
    expect((await readSeedDir(dir, { minTokenLength: 3, hashKeys: true })).ok).toBe(true);
  });
});
