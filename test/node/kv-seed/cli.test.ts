import { readdir } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { expectedDocuments, goodFiles } from "./fixtures";
import { documentsOf, readLocalKv, runCli, seedDir, tempDir, validApi, validSession } from "./support";

describe("kv-seed CLI", () => {
  it("exits non-zero, lists every problem and writes nothing when any file is invalid", async () => {
    const dir = await seedDir({
      ...goodFiles,
      "apps/broken.json": validApi({ api_id: "broken", proxy: { listen_path: "/broken/", target_url: "nope" } }),
      "keys/bad.json": validSession({ access_rights: { orders: { versions: "Default" } } }),
    });
    const persistTo = await tempDir();

    const run = await runCli([dir, "--target", "local", "--persist-to", persistTo]);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`2 problems in ${dir}; nothing was written`);
    expect(run.stderr).toContain("apps/broken.json: proxy.target_url: must be an absolute URL");
    expect(run.stderr).toMatch(/keys\/bad\.json: access_rights\.orders\.versions: /);
    expect(await readdir(persistTo)).toEqual([]);
  });

  it("prints the fields each API definition sets that the gateway does not honour, and writes nothing under --strict", async () => {
    const dir = await seedDir({
      ...goodFiles,
      "apps/events.json": validApi({
        api_id: "events",
        proxy: { listen_path: "/events/", target_url: "http://127.0.0.1:9" },
        enable_batch_request_support: true,
      }),
      "apps/pinned.json": validApi({
        api_id: "pinned",
        proxy: { listen_path: "/pinned/", target_url: "http://127.0.0.1:9" },
        pinned_public_keys: { "*": "key-id" },
      }),
    });
    const persistTo = await tempDir();

    const dryRun = await runCli([dir, "--dry-run", "--persist-to", persistTo]);
    expect(dryRun.code).toBe(0);
    expect(dryRun.stderr).toContain(
      "apps/events.json: 1 field not honoured\n  enable_batch_request_support: Batch request support is not supported; it is ignored",
    );
    expect(dryRun.stderr).toContain("apps/pinned.json: 1 field not honoured; the gateway will NOT serve this API\n  pinned_public_keys:");
    expect(dryRun.stderr).not.toContain("apps/orders.json");

    const strict = await runCli([dir, "--strict", "--persist-to", persistTo]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain("--strict: 2 API definitions set fields the gateway does not honour; nothing was written");
    expect(await readdir(persistTo)).toEqual([]);
  });

  it("validates and lists the entries on --dry-run without writing", async () => {
    const dir = await seedDir(goodFiles);
    const persistTo = await tempDir();

    const run = await runCli([dir, "--dry-run", "--persist-to", persistTo]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("validated 2 APIs, 1 policy file (1 policy), 2 keys");
    expect(run.stdout).toContain("dry run: would write 5 entries");
    for (const key of Object.keys(expectedDocuments)) expect(run.stdout).toContain(`  ${key}\n`);
    expect(await readdir(persistTo)).toEqual([]);
  });

  it("writes the documents and a new config version to the local KV wrangler dev reads, idempotently", async () => {
    const dir = await seedDir(goodFiles);
    const persistTo = await tempDir();

    const first = await runCli([dir, "--target", "local", "--persist-to", persistTo]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("validated 2 APIs, 1 policy file (1 policy), 2 keys");
    expect(first.stdout).toMatch(/wrote 5 entries to local KV .*; config version is now \d+-seed/);
    const afterFirst = await readLocalKv(persistTo);
    expect(documentsOf(afterFirst)).toEqual(expectedDocuments);
    expect(afterFirst["portcullis:config-version"]).toMatch(/^\d+-seed$/);

    const second = await runCli([dir, "--target", "local", "--persist-to", persistTo]);
    expect(second.code).toBe(0);
    const afterSecond = await readLocalKv(persistTo);
    expect(documentsOf(afterSecond)).toEqual(expectedDocuments);
    expect(afterSecond["portcullis:config-version"]).not.toBe(afterFirst["portcullis:config-version"]);
  });

  it("stores keys unhashed with --hash-keys=false", async () => {
    const dir = await seedDir({ "keys/plain-key.json": validSession() });
    const persistTo = await tempDir();

    const run = await runCli([dir, "--persist-to", persistTo, "--hash-keys=false"]);

    expect(run.code).toBe(0);
    expect(Object.keys(documentsOf(await readLocalKv(persistTo)))).toEqual(["apikey-plain-key"]);
  });

  it("refuses --target upstash without credentials, and bad arguments, before writing", async () => {
    const dir = await seedDir(goodFiles);

    const noCredentials = await runCli([dir, "--target", "upstash"]);
    expect(noCredentials.code).toBe(2);
    expect(noCredentials.stderr).toContain("--target upstash needs UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN");

    const badTarget = await runCli([dir, "--target", "s3"]);
    expect(badTarget.code).toBe(2);
    expect(badTarget.stderr).toContain("--target must be one of local, remote, upstash");
  });
});
