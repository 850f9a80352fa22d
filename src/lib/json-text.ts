/*
 * The structure of a JSON text, seen without building its value: how deeply
 * it nests, so a hostile body is refused before JSON.parse walks it, and which
 * object keys repeat, which JSON.parse resolves silently (the last one wins).
 */

const quote = 0x22;
const backslash = 0x5c;
const openers = new Set([0x5b, 0x7b]);
const closers = new Set([0x5d, 0x7d]);

/** The index just past the string literal that opens at `start` (or the end of an unterminated one). */
function skipString(text: string, start: number): number {
  let at = start + 1;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code === quote) return at + 1;
    at += code === backslash ? 2 : 1;
  }
  return at;
}

/** True as soon as an array or object opens more than `maxDepth` levels deep; the rest of the text is not read. */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  let at = 0;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code === quote) {
      at = skipString(text, at);
      continue;
    }
    if (openers.has(code)) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (closers.has(code)) {
      depth -= 1;
    }
    at += 1;
  }
  return false;
}

export interface DuplicateKey {
  /** Where the object holding the key sits: object keys and array indexes, from the top. */
  path: string[];
  key: string;
}

interface Frame {
  object: boolean;
  path: string[];
  keys: Set<string>;
  expectingKey: boolean;
  lastKey: string;
  index: number;
}

/** Every object key that appears twice in the same object, in text order. `text` must be valid JSON. */
export function duplicateKeys(text: string): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const stack: Frame[] = [];
  const childPath = (): string[] => {
    const top = stack.at(-1);
    if (!top) return [];
    return [...top.path, top.object ? top.lastKey : String(top.index)];
  };
  let at = 0;
  while (at < text.length) {
    const char = text[at];
    const top = stack.at(-1);
    if (char === '"') {
      const end = skipString(text, at);
      if (top?.object && top.expectingKey) {
        // Decoded, so "a" and "\u0061" are the same key, as for JSON.parse.
        const key = JSON.parse(text.slice(at, end)) as string;
        if (top.keys.has(key)) found.push({ path: top.path, key });
        top.keys.add(key);
        top.lastKey = key;
        top.expectingKey = false;
      }
      at = end;
      continue;
    }
    if (char === "{" || char === "[") {
      stack.push({ object: char === "{", path: childPath(), keys: new Set(), expectingKey: char === "{", lastKey: "", index: 0 });
    } else if (char === "}" || char === "]") {
      stack.pop();
    } else if (char === "," && top) {
      if (top.object) top.expectingKey = true;
      else top.index += 1;
    }
    at += 1;
  }
  return found;
}
