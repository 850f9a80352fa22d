import { describe, expect, it } from "vitest";
import { parseApiDefinition } from "../../src/apidef/load";

const samples = import.meta.glob<{ default: unknown }>("../../../shared/tyk-samples/apps/*.json", { eager: true });

describe("Tyk's sample API definitions", () => {
  it("are all found", () => {
    expect(Object.keys(samples).length).toBeGreaterThan(40);
  });

  it.each(Object.entries(samples).map(([path, module]) => [path.split("/").pop(), module.default]))("%s loads", (_name, definition) => {
    const parsed = parseApiDefinition(definition);
    expect(parsed.ok ? "ok" : parsed.error).toBe("ok");
  });
});
