import { posix } from "node:path";
import ts from "typescript";

/*
 * The folder-level dependency check behind scripts/check-layers.ts, kept free of
 * file system access so it can be tested with plain maps.
 *
 * Every file under src/ belongs to a folder node: the first path segment below
 * src/ (src/auth/jwt.ts -> "auth"); a file directly in src/ is a node of its own,
 * named by its file name (src/app.ts -> "app.ts"). Relative imports between files
 * become edges between their nodes. The folder graph must have no cycles, `lib`
 * may import only from `lib`, and `contract` and `plugins` (user code, which sees
 * only its plugin API) only from packages (and themselves).
 */

/** One module reference in a file, as written. */
export interface ImportRef {
  specifier: string;
  /** 1-based line of the import statement or call. */
  line: number;
}

/** File paths relative to the source root (posix separators) mapped to their imports. */
export type ImportMap = ReadonlyMap<string, readonly ImportRef[]> | Readonly<Record<string, readonly ImportRef[]>>;

/** A relative import and what it resolved to. */
export interface ResolvedImport {
  file: string;
  line: number;
  specifier: string;
  /** A file in the map, or a path starting with "../" when the import leaves the source root. */
  target: string;
  /** False when the target leaves the source root (it then has no node). */
  inside: boolean;
}

/** A folder-to-folder edge with the first import (by file, then line) that makes it. */
export interface Edge {
  from: string;
  to: string;
  example: ResolvedImport;
  /** How many imports make this edge. */
  imports: number;
}

export interface LayerGraph {
  nodes: string[];
  /** from -> to -> edge; no self edges. */
  edges: Map<string, Map<string, Edge>>;
  imports: ResolvedImport[];
  /** Relative imports that match no file (tsc reports these too). */
  unresolved: Omit<ResolvedImport, "target" | "inside">[];
}

/** A strongly connected group of folders, with cycles that together use every edge inside it. */
export interface CycleGroup {
  nodes: string[];
  /** Each cycle as its edges in order; the last edge returns to the first node. */
  cycles: Edge[][];
}

export interface RuleViolation {
  rule: "lib" | "contract" | "plugins";
  import: ResolvedImport;
}

export interface LayerReport {
  graph: LayerGraph;
  cycles: CycleGroup[];
  violations: RuleViolation[];
}

const rules = {
  lib: "lib may import only from lib",
  contract: "contract may import only packages (and other contract files)",
  plugins: "plugins may import only packages (and other plugin files: src/plugins/api.ts is their whole view of the gateway)",
} as const;

/** The folder node a file (relative to the source root) belongs to. */
export function nodeOf(file: string): string {
  const slash = file.indexOf("/");
  return slash === -1 ? file : file.slice(0, slash);
}

function isRelative(specifier: string): boolean {
  return specifier === "." || specifier === ".." || specifier.startsWith("./") || specifier.startsWith("../");
}

/**
 * Resolves a relative specifier the way the bundler does for this code base:
 * exact file, then with a TypeScript extension, then a folder's index; a `.js`
 * suffix may stand for the `.ts` file. Returns null when nothing matches.
 */
export function resolveImport(file: string, specifier: string, files: ReadonlySet<string>): { target: string; inside: boolean } | null {
  const base = posix.normalize(posix.join(posix.dirname(file), specifier));
  if (base === ".." || base.startsWith("../")) return { target: base, inside: false };
  const stem = base.replace(/\.(m?js|jsx)$/, "");
  const candidates = [base, `${base}.ts`, `${base}.tsx`, `${base}.d.ts`, `${stem}.ts`, `${stem}.tsx`, `${base}/index.ts`, `${base}/index.tsx`];
  const target = candidates.find((candidate) => files.has(candidate));
  return target === undefined ? null : { target, inside: true };
}

function entriesOf(imports: ImportMap): [string, readonly ImportRef[]][] {
  const entries = imports instanceof Map ? [...imports.entries()] : Object.entries(imports as Record<string, readonly ImportRef[]>);
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Resolves every relative import and folds them into the folder graph. Package
 * imports are ignored. `otherFiles` are files that are not parsed (JSON, say)
 * but may be imported; they become nodes only when something imports them.
 */
export function buildGraph(imports: ImportMap, otherFiles: Iterable<string> = []): LayerGraph {
  const entries = entriesOf(imports);
  const files = new Set([...entries.map(([file]) => file), ...otherFiles]);
  const nodes = new Set(entries.map(([file]) => nodeOf(file)));
  const edges = new Map<string, Map<string, Edge>>();
  const resolved: ResolvedImport[] = [];
  const unresolved: LayerGraph["unresolved"] = [];

  for (const [file, refs] of entries) {
    const from = nodeOf(file);
    for (const ref of [...refs].sort((a, b) => a.line - b.line)) {
      if (!isRelative(ref.specifier)) continue;
      const target = resolveImport(file, ref.specifier, files);
      if (target === null) {
        unresolved.push({ file, line: ref.line, specifier: ref.specifier });
        continue;
      }
      const item: ResolvedImport = { file, line: ref.line, specifier: ref.specifier, ...target };
      resolved.push(item);
      if (!item.inside) continue;
      const to = nodeOf(item.target);
      nodes.add(to);
      if (to === from) continue;
      const out = edges.get(from) ?? new Map<string, Edge>();
      edges.set(from, out);
      const edge = out.get(to);
      if (edge) edge.imports++;
      else out.set(to, { from, to, example: item, imports: 1 });
    }
  }
  return { nodes: [...nodes].sort(), edges, imports: resolved, unresolved };
}

export function edgeCount(graph: LayerGraph): number {
  let count = 0;
  for (const out of graph.edges.values()) count += out.size;
  return count;
}

function successors(graph: LayerGraph, node: string): string[] {
  return [...(graph.edges.get(node)?.keys() ?? [])].sort();
}

/** Tarjan's algorithm; returns the components with more than one node (self edges are not kept). */
export function stronglyConnected(graph: LayerGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];

  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of successors(graph, node)) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    if (group.length > 1) groups.push(group.sort());
  };

  for (const node of graph.nodes) if (!index.has(node)) visit(node);
  return groups.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** Shortest path from `start` to `goal` through `allowed` nodes, as a node list, or null. */
function shortestPath(graph: LayerGraph, start: string, goal: string, allowed: ReadonlySet<string>): string[] | null {
  const previous = new Map<string, string | null>([[start, null]]);
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    if (node === goal) {
      const path = [node];
      for (let step = previous.get(node); step != null; step = previous.get(step)) path.unshift(step);
      return path;
    }
    for (const next of successors(graph, node)) {
      if (!allowed.has(next) || previous.has(next)) continue;
      previous.set(next, node);
      queue.push(next);
    }
  }
  return null;
}

/** Rotates a cycle (node list without the repeated first node) to start at its smallest node. */
function canonical(cycle: string[]): string[] {
  let start = 0;
  cycle.forEach((node, at) => {
    if (node < cycle[start]!) start = at;
  });
  return [...cycle.slice(start), ...cycle.slice(0, start)];
}

/**
 * The folder cycles: each strongly connected group, and for every edge inside it
 * the shortest cycle through that edge (duplicates dropped), shortest first. So
 * every import that keeps a group tangled shows up in at least one cycle.
 */
export function findCycles(graph: LayerGraph): CycleGroup[] {
  return stronglyConnected(graph).map((nodes) => {
    const members = new Set(nodes);
    const seen = new Map<string, string[]>();
    for (const from of nodes) {
      for (const to of successors(graph, from)) {
        if (!members.has(to)) continue;
        const back = shortestPath(graph, to, from, members);
        if (!back) continue;
        const cycle = canonical([from, ...back.slice(0, -1)]);
        seen.set(cycle.join("\u0000"), cycle);
      }
    }
    const cycles = [...seen.values()]
      .sort((a, b) => a.length - b.length || (a.join(" ") < b.join(" ") ? -1 : 1))
      .map((cycle) => cycle.map((from, at) => graph.edges.get(from)!.get(cycle[(at + 1) % cycle.length]!)!));
    return { nodes, cycles };
  });
}

/** Imports that break the `lib`, `contract` and `plugins` rules, in file order. */
export function checkRules(graph: LayerGraph): RuleViolation[] {
  const violations: RuleViolation[] = [];
  for (const item of graph.imports) {
    const from = nodeOf(item.file);
    if (from !== "lib" && from !== "contract" && from !== "plugins") continue;
    if (item.inside && nodeOf(item.target) === from) continue;
    violations.push({ rule: from, import: item });
  }
  return violations;
}

export function checkLayers(imports: ImportMap, otherFiles: Iterable<string> = []): LayerReport {
  const graph = buildGraph(imports, otherFiles);
  return { graph, cycles: findCycles(graph), violations: checkRules(graph) };
}

export function passed(report: LayerReport): boolean {
  return report.cycles.length === 0 && report.violations.length === 0;
}

function where(item: { file: string; line: number }, prefix: string): string {
  return `${prefix}${item.file}:${item.line}`;
}

/**
 * The human-readable result: an OK line, or the cycles and rule violations.
 * `prefix` is put before file paths so they read from the repository root.
 */
export function formatReport(report: LayerReport, prefix = "src/"): string {
  const { graph } = report;
  if (passed(report)) {
    return `layers OK: ${graph.nodes.length} folder nodes, ${edgeCount(graph)} edges, no cycles, lib and contract rules hold`;
  }
  const lines: string[] = [];
  if (report.cycles.length > 0) {
    lines.push(`Folder cycles: ${report.cycles.length} group(s) of folders depend on each other.`);
    report.cycles.forEach((group, number) => {
      lines.push("", `[${number + 1}] ${group.nodes.join(", ")}`);
      for (const cycle of group.cycles) {
        lines.push(`  ${[...cycle.map((edge) => edge.from), cycle[0]!.from].join(" → ")}`);
        const width = Math.max(...cycle.map((edge) => `${edge.from} → ${edge.to}`.length));
        for (const edge of cycle) {
          const more = edge.imports > 1 ? ` (+${edge.imports - 1} more)` : "";
          lines.push(`      ${`${edge.from} → ${edge.to}`.padEnd(width)}  ${where(edge.example, prefix)} imports "${edge.example.specifier}"${more}`);
        }
      }
    });
  }
  if (report.violations.length > 0) {
    if (lines.length > 0) lines.push("");
    lines.push(`Layer rule violations: ${report.violations.length}`);
    for (const { rule, import: item } of report.violations) {
      const target = item.inside ? `${prefix}${item.target}` : `${item.target} (outside ${prefix.replace(/\/$/, "") || "the source root"})`;
      lines.push(`  ${rules[rule]}: ${where(item, prefix)} imports "${item.specifier}" → ${target}`);
    }
  }
  lines.push("", `${graph.nodes.length} folder nodes, ${edgeCount(graph)} edges.`);
  return lines.join("\n");
}

/**
 * The module references in a TypeScript source: `import ... from`, `import type`,
 * side-effect imports, `export ... from`, `import x = require(...)`, dynamic
 * `import(...)` with a literal, and type-level `import("...")`.
 */
export function extractImports(source: string, fileName = "file.ts"): ImportRef[] {
  const sourceFile = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: ImportRef[] = [];
  const add = (statement: ts.Node, literal: ts.Node | undefined): void => {
    if (!literal || !ts.isStringLiteralLike(literal)) return;
    const { line } = sourceFile.getLineAndCharacterOfPosition(statement.getStart(sourceFile));
    found.push({ specifier: literal.text, line: line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node, node.moduleReference.expression);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}
