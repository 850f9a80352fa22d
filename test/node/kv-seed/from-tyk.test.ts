import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type FakeTykState, startFakeTyk } from "./fake-tyk";
import { documentsOf, readLocalKv, runCli, tempDir, validApi, validSession } from "./support";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const secret = "tyk-secret-for-tests";
const env = { TYK_SECRET: secret };
/** What a hashing Tyk lists for a key: the hex digest of the key string (here sha256 of "tyk-key-one"). */
const listedHash = sha256("tyk-key-one");

function tykState(overrides: Partial<FakeTykState> = {}): FakeTykState {
  return {
    secret,
    apis: [validApi(), validApi({ api_id: "oas-api", is_oas: true, proxy: { listen_path: "/oas/", target_url: "http://127.0.0.1:9" } })],
    policies: [{ id: "gold", name: "Gold", rate: 100, per: 1, access_rights: {} }],
    keys: { [listedHash]: validSession({ alias: "one" }) },
    hashKeys: true,
    hashedKeysListing: true,
    ...overrides,
  };
}

describe("kv-seed --from-tyk", () => {
  it("reads APIs, policies and hashed keys from Tyk's API with the secret, skipping OAS APIs, and validates them as files", async () => {
    const tyk = await startFakeTyk(tykState());

    const run = await runCli(["--from-tyk", tyk.url, "--dry-run"], env);

    expect(run.stderr).toContain(`note: API "oas-api" is a Tyk OAS API; skipped (export it with GET /tyk/apis/oas/oas-api)`);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`read 3 document files from the Tyk Gateway API at ${tyk.url}`);
    expect(run.stdout).toContain("validated 1 API, 1 policy file (1 policy), 1 key");
    expect(run.stdout).toContain("dry run: would write 3 entries");
    // A hashed key is stored under the hash Tyk gave, as it is.
    for (const entry of ["tyk-api:orders", "tyk-policy:gold", `apikey-${listedHash}`]) expect(run.stdout).toContain(`  ${entry}\n`);
    expect(tyk.requests.map((request) => request.line)).toEqual([
      "GET /tyk/apis",
      "GET /tyk/policies",
      "GET /tyk/keys",
      `GET /tyk/keys/${listedHash}?hashed=true`,
    ]);
    expect(tyk.requests.every((request) => request.secret === secret)).toBe(true);
  });

  it("writes what it read to the local KV, hashed keys under Tyk's hash", async () => {
    const tyk = await startFakeTyk(tykState());
    const persistTo = await tempDir();

    const run = await runCli(["--from-tyk", tyk.url, "--persist-to", persistTo], env);

    expect(run.code).toBe(0);
    expect(documentsOf(await readLocalKv(persistTo))).toEqual({
      "tyk-api:orders": validApi(),
      "tyk-policy:gold": { id: "gold", name: "Gold", rate: 100, per: 1, access_rights: {} },
      [`apikey-${listedHash}`]: validSession({ alias: "one" }),
    });
  });

  it("copies no keys, and says why, when a hashing Tyk does not list them", async () => {
    const tyk = await startFakeTyk(tykState({ hashedKeysListing: false }));

    const run = await runCli(["--from-tyk", tyk.url, "--dry-run"], env);

    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      `note: keys were not copied: GET ${tyk.url}/tyk/keys answered 404 Hashed key listing is disabled in config (enable_hashed_keys_listing)`,
    );
    expect(run.stdout).toContain("validated 1 API, 1 policy file (1 policy), 0 keys");
  });

  it("hashes raw keys from a Tyk that does not hash them, and saves the export with key files private", async () => {
    const tyk = await startFakeTyk(tykState({ hashKeys: false, keys: { "raw-key-from-tyk": validSession() } }));
    const saveTo = join(await tempDir(), "export");

    const run = await runCli(["--from-tyk", tyk.url, "--tyk-hashed-keys", "false", "--save-to", saveTo, "--dry-run"], env);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`  apikey-${sha256("raw-key-from-tyk")}\n`);
    expect(tyk.requests.map((request) => request.line)).toContain("GET /tyk/keys/raw-key-from-tyk");
    expect((await readdir(saveTo)).sort()).toEqual(["apps", "keys", "policies"]);
    const keyFile = join(saveTo, "keys", "000001.json");
    expect(JSON.parse(await readFile(keyFile, "utf8"))).toEqual({ ...validSession(), key: "raw-key-from-tyk" });
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    // The saved directory seeds the same way.
    const again = await runCli([saveTo, "--dry-run"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`  apikey-${sha256("raw-key-from-tyk")}\n`);
  });

  it("refuses invalid documents from Tyk with the same checks as files, writing nothing", async () => {
    const tyk = await startFakeTyk(tykState({ apis: [validApi({ proxy: { listen_path: "/orders/", target_url: "nope" } })] }));
    const persistTo = await tempDir();

    const run = await runCli(["--from-tyk", tyk.url, "--persist-to", persistTo], env);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`1 problem in ${tyk.url}; nothing was written`);
    expect(run.stderr).toContain("apps/orders.json: proxy.target_url: must be an absolute URL");
    expect(await readdir(persistTo)).toEqual([]);
  });

  it("names the URL when Tyk refuses the secret, does not answer in time, or lists too many keys", async () => {
    const tyk = await startFakeTyk(tykState({ hang: ["/tyk/policies"] }));

    const wrongSecret = await runCli(["--from-tyk", tyk.url, "--dry-run"], { TYK_SECRET: "wrong" });
    expect(wrongSecret.code).toBe(1);
    expect(wrongSecret.stderr).toContain(
      `kv-seed: GET ${tyk.url}/tyk/apis: 403 Attempted administrative access with invalid or missing key! (check the secret); nothing was written`,
    );

    const slow = await runCli(["--from-tyk", tyk.url, "--dry-run", "--tyk-timeout", "300"], env);
    expect(slow.code).toBe(1);
    expect(slow.stderr).toContain(`kv-seed: GET ${tyk.url}/tyk/policies: no answer within 300 ms; nothing was written`);

    const many = await startFakeTyk(tykState({ keys: { [sha256("a")]: validSession(), [sha256("b")]: validSession() } }));
    const tooMany = await runCli(["--from-tyk", many.url, "--dry-run", "--tyk-max-keys", "1"], env);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toContain(`GET ${many.url}/tyk/keys: 2 keys, over the limit of 1 (raise it with --tyk-max-keys)`);
    expect(many.requests.some((request) => request.line.startsWith("GET /tyk/keys/"))).toBe(false);
  });

  it("takes the secret only from the environment, and refuses a directory with --from-tyk", async () => {
    const noSecret = await runCli(["--from-tyk", "http://127.0.0.1:9", "--dry-run"]);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain("--from-tyk needs Tyk's secret in the environment variable TYK_SECRET");

    const otherName = await runCli(["--from-tyk", "http://127.0.0.1:9", "--tyk-secret-env", "MY_TYK", "--dry-run", "--tyk-timeout", "500"], { MY_TYK: "x" });
    expect(otherName.stderr).toContain("GET http://127.0.0.1:9/tyk/apis:");

    const both = await runCli(["some-dir", "--from-tyk", "http://127.0.0.1:9"], env);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--from-tyk reads from Tyk, not from a directory");
  });
});
