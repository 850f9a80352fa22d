import { mkdir, readdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/*
 * Saves what was fetched from Tyk as a seed directory, to review, keep under
 * version control or seed again later with `npm run seed -- <dir>`. Key files
 * may hold raw keys (a Tyk that does not hash keys lists them raw), so they are
 * readable by their owner only.
 */

/** Writes every file under `dir`, which must be empty or not exist, so nothing is mixed with an older export. */
export async function saveExport(files: ReadonlyMap<string, string>, dir: string): Promise<void> {
  const existing = await readdir(dir).catch(() => []);
  if (existing.length > 0) throw new Error(`${dir}: not empty; give a new directory to save the export in`);
  for (const [file, text] of files) {
    await mkdir(dirname(join(dir, file)), { recursive: true, mode: 0o700 });
    // Pretty-printed, as an operator would write them by hand.
    await writeFile(join(dir, file), `${JSON.stringify(JSON.parse(text), null, 2)}\n`, { mode: file.startsWith("keys/") ? 0o600 : 0o644 });
  }
}
