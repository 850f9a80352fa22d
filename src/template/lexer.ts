/*
 * Splits a Go text/template into text and actions, and an action into
 * tokens. Handles Go's trim markers (`{{- ` and ` -}}` remove the white space
 * next to them) and comments (`{{/* … *\/}}`, which must fill the action).
 */

export class TemplateSyntaxError extends Error {
  override name = "TemplateSyntaxError";
}

export type Token =
  | { kind: "field"; name: string; spaced: boolean }
  | { kind: "variable"; name: string; spaced: boolean }
  | { kind: "dot"; spaced: boolean }
  | { kind: "identifier"; name: string; spaced: boolean }
  | { kind: "string"; value: string; spaced: boolean }
  | { kind: "number"; text: string; spaced: boolean }
  | { kind: "char"; text: string; spaced: boolean }
  | { kind: "punct"; value: "|" | "(" | ")" | ":=" | "=" | ","; spaced: boolean };

export type Piece = { kind: "text"; text: string } | { kind: "action"; tokens: Token[]; line: number };

const isSpace = (char: string | undefined) => char === " " || char === "\t" || char === "\r" || char === "\n";
const identifierStart = /[A-Za-z_]/;
const identifierChar = /[A-Za-z0-9_]/;

function readWord(source: string, start: number): number {
  let end = start;
  while (end < source.length && identifierChar.test(source[end]!)) end++;
  return end;
}

const simpleEscapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", a: "\x07", b: "\b", f: "\f", v: "\v", "\\": "\\", '"': '"', "'": "'" };

/** Go's strconv.Unquote of a double-quoted literal's inside. */
function unquote(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (whole, sequence: string) => {
    const simple = simpleEscapes[sequence];
    if (simple !== undefined) return simple;
    if (/^[xuU]/.test(sequence)) return String.fromCodePoint(Number.parseInt(sequence.slice(1), 16));
    if (/^[0-7]{3}$/.test(sequence)) return String.fromCodePoint(Number.parseInt(sequence, 8));
    throw new TemplateSyntaxError(`invalid syntax in string literal: ${whole}`);
  });
}

/** Reads the tokens of one action, from just after `{{` (and its trim marker); returns them and where `}}` starts. */
function lexAction(source: string, start: number, line: number): { tokens: Token[]; end: number; trimRight: boolean } {
  const tokens: Token[] = [];
  let at = start;
  let spaced = true;
  for (;;) {
    const before = at;
    while (isSpace(source[at])) at++;
    spaced = spaced || at > before;
    if (at >= source.length) throw new TemplateSyntaxError(`line ${line}: unclosed action`);
    if (source.startsWith("}}", at)) return { tokens, end: at, trimRight: false };
    if (source.startsWith("-}}", at) && at > before) return { tokens, end: at + 1, trimRight: true };
    const char = source[at]!;
    const next = source[at + 1];
    if (char === "." && next !== undefined && identifierStart.test(next)) {
      const end = readWord(source, at + 1);
      tokens.push({ kind: "field", name: source.slice(at + 1, end), spaced });
      at = end;
    } else if (char === "." && !(next !== undefined && /[0-9]/.test(next))) {
      tokens.push({ kind: "dot", spaced });
      at++;
    } else if (char === "$") {
      const end = readWord(source, at + 1);
      tokens.push({ kind: "variable", name: source.slice(at, end), spaced });
      at = end;
    } else if (identifierStart.test(char)) {
      const end = readWord(source, at);
      tokens.push({ kind: "identifier", name: source.slice(at, end), spaced });
      at = end;
    } else if (char === '"') {
      let end = at + 1;
      while (end < source.length && source[end] !== '"') {
        if (source[end] === "\n") throw new TemplateSyntaxError(`line ${line}: unterminated quoted string`);
        end += source[end] === "\\" ? 2 : 1;
      }
      if (end >= source.length) throw new TemplateSyntaxError(`line ${line}: unterminated quoted string`);
      tokens.push({ kind: "string", value: unquote(source.slice(at + 1, end)), spaced });
      at = end + 1;
    } else if (char === "`") {
      const end = source.indexOf("`", at + 1);
      if (end < 0) throw new TemplateSyntaxError(`line ${line}: unterminated raw quoted string`);
      tokens.push({ kind: "string", value: source.slice(at + 1, end), spaced });
      at = end + 1;
    } else if (char === "'") {
      const end = source.indexOf("'", at + 1);
      if (end < 0) throw new TemplateSyntaxError(`line ${line}: unterminated character constant`);
      tokens.push({ kind: "char", text: source.slice(at, end + 1), spaced });
      at = end + 1;
    } else if (/[0-9+\-.]/.test(char)) {
      const match = /^[+-]?(0[xX][0-9a-fA-F_]+|(\d[\d_]*)?\.?\d*([eE][+-]?\d+)?)/.exec(source.slice(at));
      const text = match?.[0] ?? "";
      if (text === "" || text === "+" || text === "-" || text === ".") throw new TemplateSyntaxError(`line ${line}: bad character ${JSON.stringify(char)}`);
      tokens.push({ kind: "number", text, spaced });
      at += text.length;
    } else if (source.startsWith(":=", at)) {
      tokens.push({ kind: "punct", value: ":=", spaced });
      at += 2;
    } else if (char === "|" || char === "(" || char === ")" || char === "=" || char === ",") {
      tokens.push({ kind: "punct", value: char, spaced });
      at++;
    } else {
      throw new TemplateSyntaxError(`line ${line}: unexpected ${JSON.stringify(char)} in action`);
    }
    spaced = false;
  }
}

const lineOf = (source: string, offset: number) => source.slice(0, offset).split("\n").length;

/** The template as text pieces and tokenised actions, trim markers applied. */
export function lex(source: string): Piece[] {
  const pieces: Piece[] = [];
  let at = 0;
  let trimNext = false;
  while (at < source.length) {
    const open = source.indexOf("{{", at);
    let text = source.slice(at, open < 0 ? source.length : open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, "");
    if (open < 0) {
      if (text) pieces.push({ kind: "text", text });
      break;
    }
    let start = open + 2;
    if (source[start] === "-" && isSpace(source[start + 1])) {
      text = text.replace(/[ \t\r\n]+$/, "");
      start += 2;
    }
    if (text) pieces.push({ kind: "text", text });
    const line = lineOf(source, open);
    if (source.startsWith("/*", start)) {
      const close = source.indexOf("*/", start + 2);
      if (close < 0) throw new TemplateSyntaxError(`line ${line}: unclosed comment`);
      const rest = close + 2;
      if (source.startsWith("}}", rest)) {
        at = rest + 2;
        trimNext = false;
      } else if (source.startsWith(" -}}", rest)) {
        at = rest + 4;
        trimNext = true;
      } else {
        throw new TemplateSyntaxError(`line ${line}: comment ends before closing delimiter`);
      }
      continue;
    }
    const { tokens, end, trimRight } = lexAction(source, start, line);
    pieces.push({ kind: "action", tokens, line });
    at = end + 2;
    trimNext = trimRight;
  }
  return pieces;
}
