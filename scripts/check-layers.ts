/**
 * Checks the folder layering of src/: no import cycles between folders, `lib`
 * imports only `lib`, `contract` only packages. See scripts/layers.ts.
 *
 *   tsx scripts/check-layers.ts [source dir, default src]
 *
 * Exits 1 with the cycles and violations, 0 with a one-line summary.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { checkLayers, extractImports, formatReport, passed, type ImportRef } from "./layers";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const sourceDir = resolve(root, process.argv[2] ?? "src");
const prefix = `${relative(root, sourceDir).split(sep).join("/")}/`;

// Every file takes part in resolution (an import may name a .json file); only .ts files are read.
const files = readdirSync(sourceDir, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile())
  .map((entry) => relative(sourceDir, join(entry.parentPath, entry.name)).split(sep).join("/"))
  .sort();

const imports = new Map<string, ImportRef[]>();
for (const file of files.filter((name) => name.endsWith(".ts"))) {
  imports.set(file, extractImports(readFileSync(join(sourceDir, file), "utf8"), file));
}
const report = checkLayers(
  imports,
  files.filter((name) => !name.endsWith(".ts")),
);

for (const item of report.graph.unresolved) {
  console.warn(`warning: ${prefix}${item.file}:${item.line} imports "${item.specifier}", which matches no file (tsc reports it too)`);
}
if (report.graph.unresolved.length > 0) console.warn("");

const output = formatReport(report, prefix);
if (passed(report)) {
  console.log(output);
} else {
  console.error(output);
  process.exitCode = 1;
}
