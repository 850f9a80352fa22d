import { knownFunctions, sprigOnlyFunctions } from "./functions";
import { lex, type Piece, TemplateSyntaxError, type Token } from "./lexer";
import type { GoValue } from "./values";

/*
 * Parses a template once (per config snapshot) into the tree the evaluator
 * walks. Only the subset real Tyk templates use is accepted; anything else
 * (`define`, `template`, `block`, `break`, `continue`, `call`, functions this
 * gateway does not have) throws an UnsupportedTemplateError naming it, so the
 * definition is refused at load instead of failing per request.
 */

export class UnsupportedTemplateError extends Error {
  override name = "UnsupportedTemplateError";

  constructor(
    readonly construct: string,
    line: number,
  ) {
    super(`line ${line}: ${construct} is not supported by this gateway's templates`);
  }
}

export type Operand =
  | { kind: "field"; chain: string[] }
  | { kind: "variable"; name: string; chain: string[] }
  | { kind: "dot" }
  | { kind: "nil" }
  | { kind: "literal"; value: GoValue }
  | { kind: "function"; name: string }
  | { kind: "pipe"; pipe: Pipeline; chain: string[] };

export interface Pipeline {
  declare: string[];
  /** `$x = …` sets a variable declared before; `:=` declares one. */
  assign: boolean;
  commands: Operand[][];
  line: number;
}

export interface ControlNode {
  kind: "if" | "with" | "range";
  pipe: Pipeline;
  body: TemplateNode[];
  otherwise: TemplateNode[] | undefined;
}

export type TemplateNode = { kind: "text"; text: string } | { kind: "action"; pipe: Pipeline } | ControlNode;

const refusedKeywords = new Set(["define", "template", "block", "break", "continue"]);

function numberLiteral(text: string, line: number): GoValue {
  const clean = text.replaceAll("_", "");
  const isHex = /^[+-]?0[xX]/.test(clean);
  // Go's ideal constants: a literal with a point or exponent is a float64, any other an int.
  if (!isHex && /[.eE]/.test(clean)) {
    const value = Number(clean);
    if (Number.isNaN(value)) throw new TemplateSyntaxError(`line ${line}: bad number syntax: ${JSON.stringify(text)}`);
    return value;
  }
  try {
    return clean.startsWith("-") ? -BigInt(clean.slice(1)) : BigInt(clean.replace(/^\+/, ""));
  } catch {
    throw new TemplateSyntaxError(`line ${line}: bad number syntax: ${JSON.stringify(text)}`);
  }
}

class Parser {
  private index = 0;
  /** Variables in scope, innermost last; `$` is always there. */
  private readonly scope: string[] = ["$"];

  constructor(private readonly pieces: Piece[]) {}

  parseAll(): TemplateNode[] {
    const { nodes, stop } = this.parseList();
    if (stop) throw new TemplateSyntaxError(`line ${stop.line}: unexpected {{${stop.keyword}}}`);
    return nodes;
  }

  /** Nodes up to an `{{else …}}` or `{{end}}` (returned as `stop`) or the end of the template. */
  private parseList(): { nodes: TemplateNode[]; stop: { keyword: "else" | "end"; rest: Token[]; line: number } | undefined } {
    const nodes: TemplateNode[] = [];
    while (this.index < this.pieces.length) {
      const piece = this.pieces[this.index++]!;
      if (piece.kind === "text") {
        nodes.push({ kind: "text", text: piece.text });
        continue;
      }
      const [first, ...rest] = piece.tokens;
      const keyword = first?.kind === "identifier" ? first.name : undefined;
      if (keyword === "end" || keyword === "else") {
        if (keyword === "end" && rest.length > 0) throw new TemplateSyntaxError(`line ${piece.line}: unexpected tokens after end`);
        return { nodes, stop: { keyword, rest, line: piece.line } };
      }
      if (keyword === "if" || keyword === "with" || keyword === "range") {
        nodes.push(this.parseControl(keyword, rest, piece.line));
      } else if (keyword !== undefined && refusedKeywords.has(keyword)) {
        throw new UnsupportedTemplateError(`{{${keyword}}}`, piece.line);
      } else {
        nodes.push({ kind: "action", pipe: this.parsePipeline(piece.tokens, piece.line, false) });
      }
    }
    return { nodes, stop: undefined };
  }

  private parseControl(kind: "if" | "with" | "range", tokens: Token[], line: number): TemplateNode {
    const depth = this.scope.length;
    const pipe = this.parsePipeline(tokens, line, kind === "range");
    if (pipe.commands.length === 0) throw new TemplateSyntaxError(`line ${line}: missing value for ${kind}`);
    const { nodes: body, stop } = this.parseList();
    if (!stop) throw new TemplateSyntaxError(`line ${line}: unexpected EOF: {{${kind}}} without {{end}}`);
    let otherwise: TemplateNode[] | undefined;
    if (stop.keyword === "else") {
      const [next, ...rest] = stop.rest;
      if (next?.kind === "identifier" && (next.name === "if" || next.name === "with") && kind !== "range") {
        // `{{else if …}}` is an if inside the else branch that shares this block's {{end}}.
        otherwise = [this.parseControl(next.name, rest, stop.line)];
      } else {
        if (stop.rest.length > 0) throw new TemplateSyntaxError(`line ${stop.line}: unexpected tokens after else`);
        const tail = this.parseList();
        if (tail.stop?.keyword !== "end") throw new TemplateSyntaxError(`line ${stop.line}: expected {{end}} after {{else}}`);
        otherwise = tail.nodes;
      }
    }
    this.scope.length = depth;
    return { kind, pipe, body, otherwise };
  }

  private parsePipeline(tokens: Token[], line: number, isRange: boolean): Pipeline {
    let declare: string[] = [];
    let assign = false;
    let at = 0;
    const [a, b, c, d] = tokens;
    if (a?.kind === "variable" && b?.kind === "punct" && (b.value === ":=" || b.value === "=")) {
      declare = [a.name];
      assign = b.value === "=";
      at = 2;
    } else if (
      isRange &&
      a?.kind === "variable" &&
      b?.kind === "punct" &&
      b.value === "," &&
      c?.kind === "variable" &&
      d?.kind === "punct" &&
      d.value === ":="
    ) {
      declare = [a.name, c.name];
      at = 4;
    }
    if (assign && !this.scope.includes(declare[0]!)) throw new TemplateSyntaxError(`line ${line}: undefined variable "${declare[0]}"`);
    const commands = this.parseCommands(tokens.slice(at), line);
    if (declare.length > 0 && commands.length === 0) throw new TemplateSyntaxError(`line ${line}: missing value for declaration`);
    if (commands.length === 0 && !isRange && tokens.length === 0) throw new TemplateSyntaxError(`line ${line}: missing value for command`);
    if (!assign) this.scope.push(...declare);
    return { declare, assign, commands, line };
  }

  private parseCommands(tokens: Token[], line: number): Operand[][] {
    const commands: Operand[][] = [];
    let current: Operand[] = [];
    let at = 0;
    while (at < tokens.length) {
      const token = tokens[at]!;
      if (token.kind === "punct" && token.value === "|") {
        if (current.length === 0) throw new TemplateSyntaxError(`line ${line}: missing command before "|"`);
        commands.push(current);
        current = [];
        at++;
        continue;
      }
      const { operand, next } = this.parseOperand(tokens, at, line);
      current.push(operand);
      at = next;
    }
    if (current.length > 0) commands.push(current);
    else if (commands.length > 0) throw new TemplateSyntaxError(`line ${line}: missing command after "|"`);
    return commands;
  }

  /** Fields written right after an operand (`$x.a.b`, `(…).a`). */
  private chainAfter(tokens: Token[], at: number): { chain: string[]; next: number } {
    const chain: string[] = [];
    let next = at;
    for (let token = tokens[next]; token?.kind === "field" && !token.spaced; token = tokens[next]) {
      chain.push(token.name);
      next++;
    }
    return { chain, next };
  }

  private parseOperand(tokens: Token[], at: number, line: number): { operand: Operand; next: number } {
    const token = tokens[at]!;
    switch (token.kind) {
      case "field": {
        const { chain, next } = this.chainAfter(tokens, at + 1);
        return { operand: { kind: "field", chain: [token.name, ...chain] }, next };
      }
      case "variable": {
        if (!this.scope.includes(token.name)) throw new TemplateSyntaxError(`line ${line}: undefined variable "${token.name}"`);
        const { chain, next } = this.chainAfter(tokens, at + 1);
        return { operand: { kind: "variable", name: token.name, chain }, next };
      }
      case "dot":
        return { operand: { kind: "dot" }, next: at + 1 };
      case "string":
        return { operand: { kind: "literal", value: token.value }, next: at + 1 };
      case "number":
        return { operand: { kind: "literal", value: numberLiteral(token.text, line) }, next: at + 1 };
      case "char":
        throw new UnsupportedTemplateError(`the character constant ${token.text}`, line);
      case "identifier":
        return { operand: this.identifier(token.name, line), next: at + 1 };
      case "punct":
        if (token.value === "(") return this.parenthesised(tokens, at, line);
        throw new TemplateSyntaxError(`line ${line}: unexpected "${token.value}" in operand`);
    }
  }

  private identifier(name: string, line: number): Operand {
    if (name === "true" || name === "false") return { kind: "literal", value: name === "true" };
    if (name === "nil") return { kind: "nil" };
    if (knownFunctions.has(name)) return { kind: "function", name };
    if (name === "call") throw new UnsupportedTemplateError('the function "call"', line);
    if (sprigOnlyFunctions.has(name)) throw new UnsupportedTemplateError(`the Sprig function "${name}"`, line);
    if (refusedKeywords.has(name) || ["if", "range", "with", "else", "end"].includes(name)) {
      throw new TemplateSyntaxError(`line ${line}: unexpected keyword ${name} in operand`);
    }
    throw new UnsupportedTemplateError(`the function "${name}"`, line);
  }

  private parenthesised(tokens: Token[], at: number, line: number): { operand: Operand; next: number } {
    let depth = 0;
    let close = at;
    for (; close < tokens.length; close++) {
      const token = tokens[close]!;
      if (token.kind !== "punct") continue;
      if (token.value === "(") depth++;
      if (token.value === ")" && --depth === 0) break;
    }
    if (close >= tokens.length) throw new TemplateSyntaxError(`line ${line}: unclosed left paren`);
    const inner = this.parsePipeline(tokens.slice(at + 1, close), line, false);
    if (inner.commands.length === 0) throw new TemplateSyntaxError(`line ${line}: missing value in parentheses`);
    const { chain, next } = this.chainAfter(tokens, close + 1);
    return { operand: { kind: "pipe", pipe: inner, chain }, next };
  }
}

/** A parsed template: the tree, ready to execute any number of times. */
export function parseTemplate(source: string): TemplateNode[] {
  return new Parser(lex(source)).parseAll();
}

export { TemplateSyntaxError };
