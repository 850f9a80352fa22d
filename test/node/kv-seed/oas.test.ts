import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readSeedDir, readSeedSource } from "../../../kv-seed/read";
import { memorySource } from "../../../kv-seed/json-files";
import { documentsOf, projectRoot, readLocalKv, runCli, seedDir, tempDir, validApi } from "./support";

const fixtures = join(projectRoot, "test/fixtures/oas");
const options = { minTokenLength: 3 };

const fixture = (name: string) => readFile(join(fixtures, name), "utf8");

/** A Tyk OAS definition as JSON. */
function oasApi(id: string, listenPath = `/${id}/`): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: { title: id, version: "1" },
    paths: {},
    "x-tyk-api-gateway": {
      info: { id, name: id, state: { active: true } },
      upstream: { url: "http://127.0.0.1:9" },
      server: { listenPath: { value: listenPath, strip: true } },
    },
  };
}

describe("kv-seed with Tyk OAS definitions", () => {
  it("reads Tyk OAS files in JSON and YAML beside classic ones, storing each document as written", async () => {
    const yaml = await fixture("orders-oas.yaml");
    const dir = await seedDir({ "apps/orders.json": validApi(), "apps/orders-oas.yaml": yaml, "apps/billing.json": oasApi("billing") });
    const result = await readSeedDir(dir, options);
    if (!result.ok) throw new Error(result.errors.join("\n"));
    expect(result.seed.apis.map((api) => [api.file, api.id])).toEqual([
      ["apps/billing.json", "billing"],
      ["apps/orders-oas.yaml", "orders-oas"],
      ["apps/orders.json", "orders"],
    ]);
    expect(result.seed.apis.find((api) => api.id === "orders-oas")?.document).toEqual(parse(yaml));
    expect(result.seed.apis.find((api) => api.id === "billing")?.document).toEqual(oasApi("billing"));
  });

  it("names the file and the JSON path of a bad field", async () => {
    const bad = oasApi("bad");
    (bad["x-tyk-api-gateway"] as { upstream: unknown }).upstream = { url: 42 };
    const badYaml = (await fixture("orders-oas.yaml")).replace("value: /orders-oas/", "value: [not, a, path]");
    const result = await readSeedDir(await seedDir({ "apps/bad.json": bad, "apps/bad.yml": badYaml }), options);
    expect(result).toEqual({
      ok: false,
      errors: [
        expect.stringMatching(/^apps\/bad\.json: \$\.x-tyk-api-gateway\.upstream\.url: expected string, got number 42$/),
        expect.stringMatching(/^apps\/bad\.yml: \$\.x-tyk-api-gateway\.server\.listenPath\.value: expected string, got an array$/),
      ],
    });
  });

  it("refuses a route taken by an API of the other format, an OAS file without an id, and a plain OpenAPI file in apps/", async () => {
    const { "x-tyk-api-gateway": _extension, ...plain } = oasApi("plain");
    const noId = oasApi("x", "/no-id/");
    (noId["x-tyk-api-gateway"] as { info: Record<string, unknown> }).info = { name: "x", state: { active: true } };
    const files = new Map([
      ["apps/a-classic.json", JSON.stringify(validApi({ proxy: { listen_path: "/shared/", target_url: "http://127.0.0.1:9" } }))],
      ["apps/b-oas.json", JSON.stringify(oasApi("b", "/shared/"))],
      ["apps/c.json", JSON.stringify(noId)],
      ["apps/d.json", JSON.stringify(plain)],
    ]);
    const result = await readSeedSource(memorySource(files), options);
    expect(result).toEqual({
      ok: false,
      errors: [
        'apps/b-oas.json: proxy.listen_path: "/shared/" on domain "" is already used by apps/a-classic.json',
        "apps/c.json: $.x-tyk-api-gateway.info.id: expected a non-empty string, got nothing",
        "apps/d.json: a plain OpenAPI document (no x-tyk-api-gateway): import it with --import-openapi apps/d.json",
      ],
    });
  });

  it("imports a plain OpenAPI file with the import endpoint's options", async () => {
    const openApiImport = { file: join(fixtures, "inventory-openapi.yaml"), params: { listenPath: "/inventory/", validateRequest: true, mockResponse: true } };
    const result = await readSeedSource(memorySource(new Map()), { ...options, openApiImport });
    if (!result.ok) throw new Error(result.errors.join("\n"));
    const [api] = result.seed.apis;
    expect(api?.id).toBe("inventory-openapi");
    expect(api?.document["x-tyk-api-gateway"]).toMatchObject({
      info: { id: "inventory-openapi", name: "Inventory", state: { active: true } },
      upstream: { url: "http://127.0.0.1:9/inventory" },
      server: { listenPath: { value: "/inventory/", strip: true } },
      middleware: {
        operations: {
          itemsGET: { mockResponse: { enabled: true, fromOASExamples: { enabled: true } } },
          addItem: { validateRequest: { enabled: true, errorResponseCode: 422 } },
        },
      },
    });
  });

  it("writes an imported OpenAPI file and a YAML Tyk OAS file with the CLI", async () => {
    const dir = await seedDir({ "apps/orders-oas.yaml": await fixture("orders-oas.yaml") });
    const persistTo = await tempDir();
    const run = await runCli([
      dir,
      "--import-openapi",
      join(fixtures, "inventory-openapi.yaml"),
      "--listen-path",
      "/inventory/",
      "--api-id",
      "inventory",
      "--allow-list",
      "--persist-to",
      persistTo,
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const documents = documentsOf(await readLocalKv(persistTo));
    expect(documents["tyk-api:orders-oas"]).toEqual(parse(await fixture("orders-oas.yaml")));
    expect(documents["tyk-api:inventory"]).toMatchObject({
      "x-tyk-api-gateway": {
        info: { id: "inventory" },
        middleware: { operations: { addItem: { allow: { enabled: true } }, itemsGET: { allow: { enabled: true } } } },
      },
    });
  });
});
