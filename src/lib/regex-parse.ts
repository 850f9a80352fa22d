import { type CharSet, caseInsensitive, charRange, complement, digits, lineTerminators, single, spaces, union, wordChars } from "./regex-charset";

/*
 * A parser of the JavaScript regular expressions Tyk patterns are written in,
 * for the safety check (regex-safety.ts). It reads only what the check needs:
 * which characters each atom matches, how atoms are sequenced, alternated and
 * repeated. Capturing groups are transparent; `^`, `$`, `\b` and `\B` are
 * zero-width. Back-references and lookarounds are refused: a backtracking
 * engine cannot run them in linear time, and Go's RE2 (Tyk's engine) has
 * neither, so no Tyk definition can need them. The source has already
 * compiled with `new RegExp`, so syntax errors are not this parser's concern;
 * anything it does not know is refused rather than guessed at.
 */

export type RegexNode =
  | { kind: "chars"; set: CharSet; start: number; end: number }
  | { kind: "assertion"; name: "^" | "$" | "\\b" | "\\B" }
  | { kind: "sequence"; items: RegexNode[] }
  | { kind: "choice"; options: RegexNode[] }
  | { kind: "repeat"; body: RegexNode; min: number; max: number; start: number; end: number };

export interface RegexFlags {
  ignoreCase: boolean;
  unicode: boolean;
  dotAll: boolean;
}

/** A construct the check refuses, with the offset it starts at. */
export class RegexRefusal extends Error {}

const unbounded = Number.POSITIVE_INFINITY;
const quantifier = /\{(\d+)(,(\d*))?\}/y;
const hexDigits = /^[0-9a-fA-F]+$/;
/** Deeper nesting is refused rather than risking the stack. */
const maxDepth = 100;

const refusal = (what: string, why: string) => new RegexRefusal(`${what} is not allowed: ${why}`);
const noRe2 = "Go's RE2, Tyk's regex engine, has none, and JavaScript can only run it by backtracking";

class Parser {
  private at = 0;
  private depth = 0;
  private readonly max: number;

  constructor(
    private readonly source: string,
    private readonly flags: RegexFlags,
  ) {
    this.max = flags.unicode ? 0x10ffff : 0xffff;
  }

  parse(): RegexNode {
    const node = this.choice();
    if (this.at < this.source.length) throw refusal(`"${this.source[this.at]}"`, "unexpected here");
    return node;
  }

  private peek(offset = 0): string {
    return this.source[this.at + offset] ?? "";
  }

  private choice(): RegexNode {
    const options = [this.sequence()];
    while (this.peek() === "|") {
      this.at++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0]! : { kind: "choice", options };
  }

  private sequence(): RegexNode {
    const items: RegexNode[] = [];
    while (this.at < this.source.length && this.peek() !== "|" && this.peek() !== ")") items.push(this.term());
    return items.length === 1 ? items[0]! : { kind: "sequence", items };
  }

  private term(): RegexNode {
    const start = this.at;
    const atom = this.atom();
    const bounds = this.quantifier();
    if (!bounds) return atom;
    if (atom.kind === "assertion") throw refusal(`a repeated "${atom.name}"`, "an assertion cannot be repeated");
    return { kind: "repeat", body: atom, min: bounds.min, max: bounds.max, start, end: this.at };
  }

  private quantifier(): { min: number; max: number } | null {
    const char = this.peek();
    let bounds: { min: number; max: number } | null = null;
    if (char === "*") bounds = { min: 0, max: unbounded };
    else if (char === "+") bounds = { min: 1, max: unbounded };
    else if (char === "?") bounds = { min: 0, max: 1 };
    if (bounds) this.at++;
    else if (char === "{") {
      quantifier.lastIndex = this.at;
      const match = quantifier.exec(this.source);
      // Outside `u` mode a `{` that is not a quantifier is a literal brace.
      if (!match) return null;
      this.at += match[0].length;
      const min = Number(match[1]);
      bounds = { min, max: match[2] === undefined ? min : match[3] === "" ? unbounded : Number(match[3]) };
    }
    if (bounds && this.peek() === "?") this.at++; // lazy: another order, the same paths
    return bounds;
  }

  private atom(): RegexNode {
    const start = this.at;
    const char = this.peek();
    if (char === "^" || char === "$") {
      this.at++;
      return { kind: "assertion", name: char };
    }
    if (char === "(") return this.group();
    if (char === "[") return this.chars(this.characterClass(), start);
    if (char === ".") {
      this.at++;
      return this.chars(this.flags.dotAll ? charRange(0, this.max) : complement(lineTerminators, this.max), start);
    }
    if (char === "\\") {
      const escaped = this.escape(false);
      return escaped === "\\b" || escaped === "\\B" ? { kind: "assertion", name: escaped } : this.chars(escaped, start);
    }
    if (char === "*" || char === "+" || char === "?") throw refusal(`"${char}"`, "nothing to repeat");
    return this.chars(single(this.literal()), start);
  }

  private chars(set: CharSet, start: number): RegexNode {
    const folded = this.flags.ignoreCase ? caseInsensitive(set, this.max, this.flags.unicode) : set;
    return { kind: "chars", set: folded, start, end: this.at };
  }

  private literal(): number {
    const code = this.flags.unicode ? this.source.codePointAt(this.at)! : this.source.charCodeAt(this.at);
    this.at += code > 0xffff ? 2 : 1;
    return code;
  }

  private group(): RegexNode {
    if (++this.depth > maxDepth) throw refusal('"("', `groups nest more than ${maxDepth} deep`);
    this.at++;
    if (this.peek() === "?") {
      const kind = this.source.slice(this.at, this.at + 3);
      if (kind.startsWith("?=") || kind.startsWith("?!")) throw refusal(`lookahead "(${kind.slice(0, 2)}…)"`, noRe2);
      if (kind === "?<=" || kind === "?<!") throw refusal(`lookbehind "(${kind}…)"`, noRe2);
      if (kind.startsWith("?:")) this.at += 2;
      else if (kind.startsWith("?<") && this.source.includes(">", this.at)) this.at = this.source.indexOf(">", this.at) + 1;
      else throw refusal(`group "(${kind.slice(0, 2)}…)"`, "this check does not know this kind of group");
    }
    const body = this.choice();
    if (this.peek() !== ")") throw refusal('"("', "the group is not closed");
    this.at++;
    this.depth--;
    return body;
  }

  /** `[…]`: the set of what it matches, under `i` made larger rather than exact (see caseInsensitive). */
  private characterClass(): CharSet {
    this.at++;
    const negated = this.peek() === "^";
    if (negated) this.at++;
    const parts: CharSet[] = [];
    while (this.peek() !== "]") {
      if (this.at >= this.source.length) throw refusal('"["', "the class is not closed");
      const low = this.classAtom();
      if (this.peek() === "-" && this.peek(1) !== "]" && this.peek(1) !== "") {
        this.at++;
        const high = this.classAtom();
        // Outside `u` mode `[\w-z]` is \w, "-" and "z".
        if (typeof low === "number" && typeof high === "number") parts.push(charRange(low, high));
        else parts.push(asSet(low), single(0x2d), asSet(high));
      } else parts.push(asSet(low));
    }
    this.at++;
    const set = union(...parts);
    if (!negated) return set;
    // Folding widens a set, so a negated class is widened after negating, and takes every non-ASCII character under `i`.
    const inverse = complement(set, this.max);
    return this.flags.ignoreCase ? union(inverse, charRange(0x80, this.max)) : inverse;
  }

  private classAtom(): CharSet | number {
    if (this.peek() !== "\\") return this.literal();
    const escaped = this.escape(true);
    if (escaped === "\\b") return 0x08;
    if (escaped === "\\B") throw refusal('"\\B"', "not valid in a class");
    return escaped.length === 1 && escaped[0]![0] === escaped[0]![1] ? escaped[0]![0] : escaped;
  }

  /** After a backslash: a set, or a word-boundary assertion (a backspace inside a class). */
  private escape(inClass: boolean): CharSet | "\\b" | "\\B" {
    const start = this.at;
    this.at++;
    const char = this.peek();
    this.at++;
    switch (char) {
      case "b":
      case "B":
        return char === "b" ? "\\b" : "\\B";
      case "d":
        return digits;
      case "D":
        return complement(digits, this.max);
      case "w":
        return wordChars;
      case "W":
        return complement(wordChars, this.max);
      case "s":
        return spaces;
      case "S":
        return complement(spaces, this.max);
      case "t":
        return single(0x09);
      case "n":
        return single(0x0a);
      case "v":
        return single(0x0b);
      case "f":
        return single(0x0c);
      case "r":
        return single(0x0d);
      case "x":
        return single(this.hex(2) ?? 0x78);
      case "u":
        return single(this.unicodeEscape() ?? 0x75);
      case "c":
        return this.control();
      case "p":
      case "P":
        return this.property(char);
      case "k":
        if (this.flags.unicode || this.peek() === "<") throw refusal('back-reference "\\k<…>"', noRe2);
        return single(0x6b);
      case "":
        throw refusal('"\\"', "the pattern ends in a backslash");
    }
    if (char === "0" && !/[0-9]/.test(this.peek())) return single(0);
    if (char === "0" || (inClass && /[1-9]/.test(char))) throw refusal(`octal escape "\\${char}"`, "write the character as \\xHH");
    if (/[1-9]/.test(char)) throw refusal(`back-reference "\\${char}"`, noRe2);
    this.at = start + 1;
    return single(this.literal());
  }

  private hex(length: number): number | null {
    const digitsText = this.source.slice(this.at, this.at + length);
    if (digitsText.length !== length || !hexDigits.test(digitsText)) return null;
    this.at += length;
    return Number.parseInt(digitsText, 16);
  }

  private unicodeEscape(): number | null {
    if (this.flags.unicode && this.peek() === "{") {
      const close = this.source.indexOf("}", this.at);
      const value = Number.parseInt(this.source.slice(this.at + 1, close), 16);
      this.at = close + 1;
      return value;
    }
    return this.hex(4);
  }

  private control(): CharSet {
    const letter = this.peek();
    if (/^[A-Za-z]$/.test(letter)) {
      this.at++;
      return single(letter.charCodeAt(0) % 32);
    }
    throw refusal('"\\c"', "write the control character as \\xHH");
  }

  /** `\p{…}` stands for every character: the check need not know which. Outside `u` mode it is the letter. */
  private property(letter: string): CharSet {
    if (!this.flags.unicode) return single(letter.charCodeAt(0));
    this.at = this.source.indexOf("}", this.at) + 1;
    return charRange(0, this.max);
  }
}

function asSet(atom: CharSet | number): CharSet {
  return typeof atom === "number" ? single(atom) : atom;
}

export function parseRegex(source: string, flags: RegexFlags): RegexNode {
  return new Parser(source, flags).parse();
}
