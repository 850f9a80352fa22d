import { describe, expect, it } from "vitest";
import { Manifest } from "../../src/apidef/manifest";

const manifest = new Manifest(["api_id", "proxy.listen_path", "version_data.versions.*.name", "auth.auth_header_name"]);

describe("the honoured-fields manifest", () => {
  it("passes fields that are honoured or left at Go's zero value", () => {
    expect(
      manifest.check({ api_id: "a", proxy: { listen_path: "/a/" }, version_data: { versions: { v1: { name: "v1" } } }, use_oauth2: false, CORS: {}, tags: [] }),
    ).toEqual([]);
  });

  it("reports an active unsupported feature once, by its switch, flagged when it restricts callers", () => {
    const warnings = manifest.check({ api_id: "a", graphql: { enabled: true, execution_mode: "proxyOnly" } });
    expect(warnings).toEqual([expect.objectContaining({ field: "graphql.enabled", security: true })]);
  });

  it("names an unknown field at its shallowest unknown path", () => {
    expect(manifest.check({ api_id: "a", invented: { deeply: { nested: true } } })).toEqual([
      { field: "invented", message: "is not a field this gateway knows; it is ignored", security: false },
    ]);
  });

  it("reports a set sub-field of an honoured object that nothing reads", () => {
    const warnings = manifest.check({ api_id: "a", auth: { auth_header_name: "X-Key", validate_signature: true } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.field).toContain("validate_signature");
    expect(warnings[0]!.security).toBe(true);
  });
});

describe("the catalogue and the pipeline", () => {
  it("lists no field as unsupported that the core or a feature honours", async () => {
    const { unsupportedFeatures } = await import("../../src/apidef/catalogue");
    const { coreHonours } = await import("../../src/apidef/schema");
    const { pipeline } = await import("../../src/pipeline");
    const honoured = [...coreHonours, ...pipeline.flatMap((feature) => feature.honours)].map((pattern) => pattern.split("."));
    const overlapping = unsupportedFeatures.flatMap((feature) =>
      feature.fields.filter((field) => {
        const path = field.split(".");
        return honoured.some((pattern) => pattern.length <= path.length && pattern.every((segment, index) => segment === "*" || segment === path[index]));
      }),
    );
    expect(overlapping).toEqual([]);
  });
});
