import { describe, expect, it } from "vitest";
import { readSeedDir } from "../../../kv-seed/read";
import { seedDir, validApi, validSession } from "./support";

const options = { minTokenLength: 3 };

describe("readSeedDir", () => {
  it("reports every bad file with its field path and returns no documents", async () => {
    const dir = await seedDir({
      "apps/broken.json": validApi({ api_id: "broken", proxy: { listen_path: "/broken/", target_url: "not a url" } }),
      "apps/good.json": validApi(),
      "apps/no-slash.json": validApi({ api_id: "no-slash", proxy: { listen_path: "no-slash", target_url: "http://127.0.0.1:9" } }),
      "apps/not-json.json": "{ this is not json",
      "apps/same-id.json": validApi({ proxy: { listen_path: "/other/", target_url: "http://127.0.0.1:9" } }),
      "policies/policies.json": { slow: { rate: "fast" }, fine: { rate: 5, per: 1 } },
      "keys/ab.json": validSession(),
      "keys/bad-expiry.json": validSession({ expires: "tomorrow" }),
    });

    const result = await readSeedDir(dir, options);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      "apps/broken.json: proxy.target_url: must be an absolute URL",
      expect.stringMatching(/^apps\/no-slash\.json: proxy\.listen_path: must start with \/$/),
      expect.stringMatching(/^apps\/not-json\.json: invalid JSON: /),
      'apps/same-id.json: api_id: "orders" is already defined in apps/good.json',
      expect.stringMatching(/^policies\/policies\.json: slow\.rate: .*expected number/),
      "keys/ab.json: file name: a key must be at least 3 characters (TYK_GW_MINTOKENLENGTH)",
      expect.stringMatching(/^keys\/bad-expiry\.json: expires: .*expected number/),
    ]);
  });

  it("refuses two active APIs on the same domain and listen path", async () => {
    const dir = await seedDir({
      "apps/a.json": validApi({ api_id: "a" }),
      "apps/b.json": validApi({ api_id: "b" }),
      "apps/c.json": validApi({ api_id: "c", active: false }),
      "apps/d.json": validApi({ api_id: "d", domain: "api.example.com" }),
    });

    const result = await readSeedDir(dir, options);

    expect(result).toEqual({ ok: false, errors: ['apps/b.json: proxy.listen_path: "/orders/" on domain "" is already used by apps/a.json'] });
  });

  it("keeps documents as written, without schema defaults", async () => {
    const api = validApi();
    const dir = await seedDir({ "apps/orders.json": api });

    const result = await readSeedDir(dir, options);

    expect(result).toEqual({
      ok: true,
      seed: {
        apis: [{ file: "apps/orders.json", id: "orders", document: api, warnings: [], notServed: false }],
        policies: [],
        policyFiles: 0,
        keys: [],
        references: [],
      },
    });
  });

  it("reads Tyk's policy map (key = id) and policy arrays, and refuses conflicting ids", async () => {
    const dir = await seedDir({
      "policies/policies.json": { gold: { name: "Gold", rate: 100, per: 1 }, silver: { id: "silver", rate: 10, per: 1 } },
      "policies/more.json": [{ id: "bronze", rate: 1, per: 1 }],
    });

    const result = await readSeedDir(dir, options);

    expect(result.ok && result.seed.policyFiles).toBe(2);
    expect(result.ok && result.seed.policies).toEqual([
      { file: "policies/more.json", id: "bronze", document: { id: "bronze", rate: 1, per: 1 } },
      { file: "policies/policies.json", id: "gold", document: { id: "gold", name: "Gold", rate: 100, per: 1 } },
      { file: "policies/policies.json", id: "silver", document: { id: "silver", rate: 10, per: 1 } },
    ]);

    const conflicting = await seedDir({
      "policies/a.json": { gold: { id: "platinum" } },
      "policies/b.json": [{ id: "gold" }],
      "policies/c.json": { gold: {} },
      "policies/d.json": [{ rate: 1 }],
    });
    expect(await readSeedDir(conflicting, options)).toEqual({
      ok: false,
      errors: [
        'policies/a.json: gold.id: "platinum" does not match its map key "gold"',
        'policies/c.json: policy "gold" is already defined in policies/b.json',
        expect.stringMatching(/^policies\/d\.json: 0\.id: /),
      ],
    });
  });

  it("takes the key from the `key` field or the file name, and never stores the key string", async () => {
    const dir = await seedDir({
      "keys/named-by-file.json": validSession({ alias: "by file" }),
      "keys/other.json": { ...validSession({ alias: "by field" }), key: "key-from-field" },
    });

    const result = await readSeedDir(dir, options);

    expect(result.ok && result.seed.keys).toEqual([
      { file: "keys/named-by-file.json", id: "named-by-file", document: validSession({ alias: "by file" }) },
      { file: "keys/other.json", id: "key-from-field", document: validSession({ alias: "by field" }) },
    ]);
  });

  it("takes a key known only by its hash from `key_hash`, and refuses it when keys are stored unhashed", async () => {
    const hash = "a".repeat(64);
    const dir = await seedDir({ "keys/hashed.json": { ...validSession(), key_hash: hash } });

    const result = await readSeedDir(dir, { ...options, hashKeys: true });
    expect(result.ok && result.seed.keys).toEqual([{ file: "keys/hashed.json", id: hash, document: validSession(), hashed: true }]);
    expect(await readSeedDir(dir, { ...options, hashKeys: false })).toEqual({
      ok: false,
      errors: ["keys/hashed.json: key_hash: a key known only by its hash needs key hashing on (TYK_GW_HASHKEYS)"],
    });
    const both = await seedDir({ "keys/both.json": { ...validSession(), key: "some-key", key_hash: hash }, "keys/upper.json": { key_hash: "ABCDEF12" } });
    expect(await readSeedDir(both, options)).toEqual({
      ok: false,
      errors: ["keys/both.json: key_hash: give the key or its hash, not both", "keys/upper.json: key_hash: must be a lower-case hex digest"],
    });
  });

  it("refuses two files for the same key and a directory without apps, policies or keys", async () => {
    const dir = await seedDir({ "keys/abc.json": validSession(), "keys/other.json": { ...validSession(), key: "abc" } });
    expect(await readSeedDir(dir, options)).toEqual({ ok: false, errors: ["keys/other.json: key is the same as in keys/abc.json"] });

    const empty = await seedDir({ "README.md": "nothing here" });
    expect(await readSeedDir(empty, options)).toEqual({ ok: false, errors: [`${empty}: has none of apps/, policies/ or keys/`] });
  });
});
