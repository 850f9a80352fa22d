import { describe, expect, it } from "vitest";
import { compileDefinition } from "../../src/compile";
import { parseGatewayConfig } from "../../src/config";

/*
 * Tyk's own sample definitions (../shared/tyk-samples, beside the repository
 * in the development workspace only). Without them this suite is skipped and
 * says so; test/fixtures/tyk-apps covers the same ground in any clone.
 */

const samples = import.meta.glob<{ default: Record<string, unknown> }>("../../../shared/tyk-samples/apps/*.json", { eager: true });
const entries = Object.entries(samples).map(([path, module]) => [path.split("/").pop()!, module.default] as const);
const config = parseGatewayConfig({});

if (entries.length === 0) console.info("tyk-samples: ../shared/tyk-samples not found beside the repository; skipping Tyk's sample definitions");

function compiled(definition: unknown) {
  const result = compileDefinition(definition, config);
  if (!result.ok) throw new Error(result.error);
  return result;
}

describe.skipIf(entries.length === 0)("Tyk's sample API definitions", () => {
  it("are all found", () => {
    expect(entries.length).toBeGreaterThan(40);
  });

  it.each(entries)("%s loads, and every field it reports is one it sets", (_name, definition) => {
    const { api, warnings } = compiled(definition);
    for (const warning of warnings) expect(Object.hasOwn(definition, warning.field.split(".")[0]!)).toBe(true);
    expect(api.notServed).toEqual(warnings.filter((warning) => warning.security).map((warning) => warning.field));
  });
});
