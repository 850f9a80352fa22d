import { parseRegex, type RegexNode, RegexRefusal } from "./regex-parse";
import { buildPositions } from "./regex-positions";
import { crowdedPosition } from "./regex-walk";

/*
 * Regular expressions from API definitions, keys and policies run on
 * JavaScript's backtracking engine, which can take exponential time
 * (`(a+)+b` on 28 characters: seconds) or polynomial time (`\w+@`,
 * unanchored, on 100 kB: seconds) on an input that fails to match. Tyk's Go
 * engine runs every pattern in linear time, so this check refuses, before a
 * pattern is stored or served, every pattern the engine could not run in time
 * linear in the input:
 *
 * - back-references (`\1`, `\k<name>`), lookarounds (`(?=`, `(?!`, `(?<=`,
 *   `(?<!`), legacy octal escapes and constructs the parser does not know
 *   (regex-parse.ts). Go's RE2 has none of them, so no Tyk pattern uses them;
 * - any pattern where some input makes the engine keep more than
 *   `maxWorkPerChar` live paths (weighted by the choices each has) per
 *   character read: nested or overlapping repeats whose number of paths grows
 *   with the input, however slowly (`(a+)+`, `(a|a)*`, `.*x.*y`, and, since an
 *   unanchored pattern is retried from every offset, `\w+@`). This is decided
 *   over the pattern's positions automaton, weighted by the engine's ways to
 *   take each transition (regex-positions.ts), by walking every reachable
 *   combination of path counts (regex-walk.ts). Reaching a part after which
 *   nothing can fail (a trailing `.*`, `[^/]+` before `(?:/|$)`) ends the
 *   engine's work, so paths there are not counted further;
 * - patterns too large to check: over 1,000 characters once bounded repeats
 *   are written out, or a walk beyond a few milliseconds.
 *
 * Where JavaScript's rules are intricate (case folding, `\p{…}`) the check
 * assumes a pattern matches more than it does: it may refuse a safe pattern,
 * never accept an unsafe one.
 */

/** Live alternatives, weighted by what each costs per character (its choices), that an accepted pattern may have. */
const maxWorkPerChar = 128;
const positionLimits = { maxPositions: 1000, maxWays: maxWorkPerChar, maxSteps: 1_000_000 };
/** The walk gives up (and refuses) after this many steps: a few milliseconds. */
const walkLimits = { maxWorkPerChar, maxSteps: 2_000_000, maxStates: 2_000 };

/** A pattern refused by the check (its message says which construct and why). */
export class UnsafeRegexError extends Error {}

const knownFlags = /^[gimsu]*$/;

function anchoredAtStart(node: RegexNode): boolean {
  if (node.kind === "assertion") return node.name === "^";
  if (node.kind === "sequence") return node.items.length > 0 && anchoredAtStart(node.items[0]!);
  if (node.kind === "choice") return node.options.every(anchoredAtStart);
  return false;
}

function check(source: string, flags: string): void {
  if (!knownFlags.test(flags)) throw new RegexRefusal(`flags "${flags}" are not supported`);
  const unicode = flags.includes("u");
  const max = unicode ? 0x10ffff : 0xffff;
  const root = parseRegex(source, { ignoreCase: flags.includes("i"), unicode, dotAll: flags.includes("s") });
  const anchored = !flags.includes("m") && anchoredAtStart(root);
  const positions = buildPositions(root, source, positionLimits, max);
  const crowded = crowdedPosition(positions, anchored, max, walkLimits);
  if (crowded === null) return;
  const { start, end } = positions.blame[crowded]!;
  const unanchored = anchored ? "" : " (an unanchored pattern is tried from every offset of the input: anchoring it with ^ may help)";
  throw new RegexRefusal(
    `${shown(source.slice(start, end))} can match the same characters in too many ways${unanchored}: ` +
      "on an input that does not match, JavaScript's backtracking engine would try them all and take more than linear time " +
      "(Tyk's Go engine does not backtrack). Write it so that no two parts can match the same characters, for example [^/]+ instead of .* between slashes",
  );
}

/** A pattern as messages quote it: long ones cut short. */
function shown(source: string): string {
  return `"${source.length > 80 ? `${source.slice(0, 77)}...` : source}"`;
}

/**
 * Why `source` cannot be used as a regex, or null when it can: it does not
 * compile, or the check above refuses it (the reason names the construct).
 */
export function regexProblem(source: string, flags = ""): string | null {
  try {
    new RegExp(source, flags);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  try {
    check(source, flags);
    return null;
  } catch (error) {
    if (error instanceof RegexRefusal) return error.message;
    // Nesting deep enough to exhaust the stack: nothing a real pattern needs.
    if (error instanceof RangeError) return "the pattern is too complex to check";
    throw error;
  }
}

/** `new RegExp(source, flags)` for a pattern the check accepts; throws UnsafeRegexError (or SyntaxError) otherwise. */
export function safeRegExp(source: string, flags = ""): RegExp {
  const regex = new RegExp(source, flags);
  const problem = regexProblem(source, flags);
  if (problem) throw new UnsafeRegexError(`unsafe regex ${shown(source)}: ${problem}`);
  return regex;
}
