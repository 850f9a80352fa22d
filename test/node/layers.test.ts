import { describe, expect, it } from "vitest";
import { checkLayers, extractImports, formatReport, nodeOf, passed, resolveImport, type CycleGroup, type ImportRef } from "../../scripts/layers";

/** Builds an import map from `file: ["specifier", ...]`, one import per line. */
function project(files: Record<string, string[]>): Record<string, ImportRef[]> {
  return Object.fromEntries(Object.entries(files).map(([file, specifiers]) => [file, specifiers.map((specifier, at) => ({ specifier, line: at + 1 }))]));
}

/** Each cycle as "a → b → a" with its example import per edge as "file:line". */
function describeCycles(groups: CycleGroup[]) {
  return groups.map((group) => ({
    nodes: group.nodes,
    cycles: group.cycles.map((cycle) => ({
      path: [...cycle.map((edge) => edge.from), cycle[0]!.from].join(" → "),
      edges: cycle.map((edge) => `${edge.from} → ${edge.to} ${edge.example.file}:${edge.example.line}`),
    })),
  }));
}

describe("folder layering", () => {
  it("passes an acyclic graph and counts its nodes and edges", () => {
    const report = checkLayers(
      project({
        "index.ts": ["./app", "hono"],
        "app.ts": ["./admin", "./auth/chain", "./lib/lru.ts"],
        "admin/index.ts": ["./keys", "../auth/chain", "../lib/lru"],
        "admin/keys.ts": ["../session/schema", "zod"],
        "auth/chain.ts": ["./jwt", "../session/schema", "jose"],
        "auth/jwt.ts": ["../lib/lru", "../lib/encoding.js"],
        "session/schema.ts": ["../lib/encoding", "zod"],
        "lib/lru.ts": [],
        "lib/encoding.ts": ["./lru"],
      }),
    );

    expect(report.cycles).toEqual([]);
    expect(report.violations).toEqual([]);
    expect(report.graph.unresolved).toEqual([]);
    expect(passed(report)).toBe(true);
    expect(report.graph.nodes).toEqual(["admin", "app.ts", "auth", "index.ts", "lib", "session"]);
    expect(formatReport(report)).toBe("layers OK: 6 folder nodes, 10 edges, no cycles, lib and contract rules hold");
  });

  it("reports a two-folder cycle with one example import per edge", () => {
    const report = checkLayers(
      project({
        "auth/chain.ts": ["./jwt", "../session/keys"],
        "auth/jwt.ts": ["../session/keys", "../session/schema"],
        "auth/identity.ts": [],
        "session/keys.ts": ["./schema"],
        "session/schema.ts": ["zod", "../auth/identity"],
      }),
    );

    expect(passed(report)).toBe(false);
    expect(describeCycles(report.cycles)).toEqual([
      {
        nodes: ["auth", "session"],
        cycles: [{ path: "auth → session → auth", edges: ["auth → session auth/chain.ts:2", "session → auth session/schema.ts:2"] }],
      },
    ]);
    expect(report.cycles[0]!.cycles[0]![0]!.imports).toBe(3);
    const text = formatReport(report);
    expect(text).toContain("  auth → session → auth\n");
    expect(text).toContain('src/auth/chain.ts:2 imports "../session/keys" (+2 more)');
    expect(text).toContain('src/session/schema.ts:2 imports "../auth/identity"');
  });

  it("reports a three-folder cycle in order, with the folders outside it left out", () => {
    const report = checkLayers(
      project({
        "index.ts": ["./proxy/forward"],
        "proxy/forward.ts": ["./target", "../store/kv"],
        "proxy/target.ts": [],
        "store/kv.ts": ["../cache/lru"],
        "cache/lru.ts": ["../proxy/target"],
      }),
    );

    expect(describeCycles(report.cycles)).toEqual([
      {
        nodes: ["cache", "proxy", "store"],
        cycles: [
          {
            path: "cache → proxy → store → cache",
            edges: ["cache → proxy cache/lru.ts:1", "proxy → store proxy/forward.ts:2", "store → cache store/kv.ts:1"],
          },
        ],
      },
    ]);
    expect(formatReport(report)).toContain("  cache → proxy → store → cache\n");
  });

  it("lists every edge of a tangled group in some cycle", () => {
    const report = checkLayers(
      project({
        "a/x.ts": ["../b/x"],
        "b/x.ts": ["../a/x", "../c/x"],
        "c/x.ts": ["../a/x"],
      }),
    );

    expect(describeCycles(report.cycles).map((group) => group.cycles.map((cycle) => cycle.path))).toEqual([["a → b → a", "a → b → c → a"]]);
  });

  it("treats each file directly under the source root as a node of its own", () => {
    expect(nodeOf("app.ts")).toBe("app.ts");
    expect(nodeOf("auth/jwt.ts")).toBe("auth");
    expect(nodeOf("features/rate-limits/plan.ts")).toBe("features");

    const report = checkLayers(
      project({
        "app.ts": ["./gateway"],
        "gateway.ts": ["./types"],
        "types.ts": ["./app.ts"],
        "config.ts": ["./types"],
      }),
    );

    expect(report.graph.nodes).toEqual(["app.ts", "config.ts", "gateway.ts", "types.ts"]);
    expect(describeCycles(report.cycles)).toEqual([
      {
        nodes: ["app.ts", "gateway.ts", "types.ts"],
        cycles: [
          {
            path: "app.ts → gateway.ts → types.ts → app.ts",
            edges: ["app.ts → gateway.ts app.ts:1", "gateway.ts → types.ts gateway.ts:1", "types.ts → app.ts types.ts:1"],
          },
        ],
      },
    ]);
  });

  it("reports lib importing outside lib, and contract importing anything but packages", () => {
    const report = checkLayers(
      project({
        "lib/lru.ts": ["./encoding", "../session/schema", "hono"],
        "lib/encoding.ts": ["../../kv-seed/read"],
        "lib/env.ts": ["../config"],
        "config.ts": ["./lib/env"],
        "session/schema.ts": ["zod"],
        "contract/record.ts": ["zod", "./fields", "../lib/encoding"],
        "contract/fields.ts": [],
      }),
    );

    expect(report.cycles.map((group) => group.nodes)).toEqual([["config.ts", "lib"]]);
    expect(report.violations.map(({ rule, import: item }) => `${rule} ${item.file}:${item.line} ${item.target}`)).toEqual([
      "contract contract/record.ts:3 lib/encoding.ts",
      "lib lib/encoding.ts:1 ../kv-seed/read",
      "lib lib/env.ts:1 config.ts",
      "lib lib/lru.ts:2 session/schema.ts",
    ]);
    const text = formatReport(report);
    expect(text).toContain('lib may import only from lib: src/lib/lru.ts:2 imports "../session/schema" → src/session/schema.ts');
    expect(text).toContain('src/lib/encoding.ts:1 imports "../../kv-seed/read" → ../kv-seed/read (outside src)');
    expect(text).toContain('contract may import only packages (and other contract files): src/contract/record.ts:3 imports "../lib/encoding"');
  });

  it("resolves extensions, index files and .js suffixes, and keeps unresolved imports apart", () => {
    const files = new Set(["store/index.ts", "store/kv.ts", "app.ts"]);
    expect(resolveImport("app.ts", "./store", files)).toEqual({ target: "store/index.ts", inside: true });
    expect(resolveImport("app.ts", "./store/kv.js", files)).toEqual({ target: "store/kv.ts", inside: true });
    expect(resolveImport("store/kv.ts", "../app.ts", files)).toEqual({ target: "app.ts", inside: true });
    expect(resolveImport("store/kv.ts", "../missing", files)).toBeNull();

    const report = checkLayers(project({ "app.ts": ["./missing"] }));
    expect(report.graph.unresolved).toEqual([{ file: "app.ts", line: 1, specifier: "./missing" }]);
    expect(passed(report)).toBe(true);
  });
});

describe("extractImports", () => {
  it("finds static, type-only, re-exported, dynamic and type-level imports with their lines", () => {
    const source = [
      'import { a } from "./a";',
      'import type { B } from "../b";',
      "import {",
      "  c,",
      '} from "./c.ts";',
      'export { d } from "./d";',
      'export * from "./e";',
      'import "./side-effect";',
      "// import { x } from './commented-out';",
      "const text = \"import { y } from './in-a-string'\";",
      "export async function load() {",
      '  return import("./lazy");',
      "}",
      'type Later = typeof import("./typed");',
      'import fs = require("./legacy");',
      "const dynamic = (name: string) => import(name);",
    ].join("\n");

    expect(extractImports(source)).toEqual([
      { specifier: "./a", line: 1 },
      { specifier: "../b", line: 2 },
      { specifier: "./c.ts", line: 3 },
      { specifier: "./d", line: 6 },
      { specifier: "./e", line: 7 },
      { specifier: "./side-effect", line: 8 },
      { specifier: "./lazy", line: 12 },
      { specifier: "./typed", line: 14 },
      { specifier: "./legacy", line: 15 },
    ]);
  });
});
