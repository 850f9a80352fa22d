import { formatValue } from "./format";
import { functions } from "./functions";
import type { ControlNode, Operand, Pipeline, TemplateNode } from "./parser";
import { type GoValue, goTypeName, isMap, sortedKeys, TemplateExecError, truth } from "./values";

/*
 * Runs a parsed template over one request's data, as Go's text/template
 * executes: a map miss is the invalid value (printed "<no value>", Tyk's
 * default `missingkey`), `range` goes over lists in order and maps in key
 * order, variables live until the `{{end}}` of the block that declared them.
 * Output and work are bounded, so no template can hold an isolate.
 */

export interface RenderLimits {
  /** Output characters before execution stops with an error. */
  maxOutput: number;
  /** Nodes and commands evaluated before execution stops with an error. */
  maxSteps: number;
}

export const defaultRenderLimits: RenderLimits = { maxOutput: 16 * 1024 * 1024, maxSteps: 5_000_000 };

const noFinal = Symbol("no final argument");
type Final = GoValue | typeof noFinal;

class Execution {
  private readonly out: string[] = [];
  private outputLength = 0;
  private steps = 0;
  private readonly vars: { name: string; value: GoValue }[];

  constructor(
    data: GoValue,
    private readonly limits: RenderLimits,
  ) {
    this.vars = [{ name: "$", value: data }];
  }

  get output(): string {
    return this.out.join("");
  }

  private write(text: string): void {
    this.outputLength += text.length;
    if (this.outputLength > this.limits.maxOutput) throw new TemplateExecError(`template output exceeds ${this.limits.maxOutput} characters`);
    this.out.push(text);
  }

  private tick(): void {
    if (++this.steps > this.limits.maxSteps) throw new TemplateExecError(`template execution exceeds ${this.limits.maxSteps} steps`);
  }

  walk(nodes: readonly TemplateNode[], dot: GoValue): void {
    for (const node of nodes) {
      this.tick();
      switch (node.kind) {
        case "text":
          this.write(node.text);
          break;
        case "action": {
          const value = this.pipeline(dot, node.pipe);
          // An action that declares or sets a variable prints nothing.
          if (node.pipe.declare.length === 0) this.write(value === undefined || value === null ? "<no value>" : formatValue(value));
          break;
        }
        case "if":
        case "with":
          this.conditional(node, dot);
          break;
        case "range":
          this.range(node, dot);
          break;
      }
    }
  }

  // Variables declared in a block end with it. An error ends the whole execution, so no unwinding is needed.
  private conditional(node: ControlNode, dot: GoValue): void {
    const depth = this.vars.length;
    const value = this.pipeline(dot, node.pipe);
    if (truth(value)) this.walk(node.body, node.kind === "with" ? value : dot);
    else if (node.otherwise) this.walk(node.otherwise, dot);
    this.vars.length = depth;
  }

  private range(node: ControlNode, dot: GoValue): void {
    const value = this.commands(dot, node.pipe);
    const entries: [GoValue, GoValue][] = [];
    if (Array.isArray(value)) value.forEach((item, index) => void entries.push([BigInt(index), item]));
    else if (isMap(value)) for (const key of sortedKeys(value)) entries.push([key, value[key]]);
    else if (typeof value === "bigint") {
      if (value > BigInt(this.limits.maxSteps)) throw new TemplateExecError(`template execution exceeds ${this.limits.maxSteps} steps`);
      for (let index = 0n; index < value; index++) entries.push([index, index]);
    }
    // A nil or missing value is an empty range, not an error.
    else if (value !== undefined && value !== null) throw new TemplateExecError(`range can't iterate over ${formatValue(value)}`);
    const depth = this.vars.length;
    if (entries.length === 0) {
      if (node.otherwise) this.walk(node.otherwise, dot);
      this.vars.length = depth;
      return;
    }
    const [first, second] = node.pipe.declare;
    for (const [key, item] of entries) {
      this.tick();
      if (second !== undefined) this.vars.push({ name: first!, value: key }, { name: second, value: item });
      else if (first !== undefined) this.vars.push({ name: first, value: item });
      this.walk(node.body, item);
      this.vars.length = depth;
    }
  }

  private commands(dot: GoValue, pipe: Pipeline): GoValue {
    let value: Final = noFinal;
    for (const command of pipe.commands) value = this.command(dot, command, value);
    return value === noFinal ? undefined : value;
  }

  private pipeline(dot: GoValue, pipe: Pipeline): GoValue {
    const value = this.commands(dot, pipe);
    const [name] = pipe.declare;
    if (name !== undefined) {
      if (pipe.assign) this.variable(name).value = value;
      else this.vars.push({ name, value });
    }
    return value;
  }

  private variable(name: string): { name: string; value: GoValue } {
    for (let index = this.vars.length - 1; index >= 0; index--) if (this.vars[index]!.name === name) return this.vars[index]!;
    throw new TemplateExecError(`undefined variable: ${name}`);
  }

  private command(dot: GoValue, command: readonly Operand[], final: Final): GoValue {
    this.tick();
    const first = command[0];
    if (first?.kind === "function") return this.call(first.name, dot, command, final);
    if (command.length > 1 || final !== noFinal) throw new TemplateExecError(`can't give argument to non-function ${describe(first)}`);
    if (first?.kind === "nil") throw new TemplateExecError("nil is not a command");
    return this.operand(dot, first!);
  }

  /** Calls a function with the command's other operands, then the previous command's value, as arguments. */
  private call(name: string, dot: GoValue, command: readonly Operand[], final: Final): GoValue {
    const count = command.length - 1 + (final === noFinal ? 0 : 1);
    const arg = (index: number): GoValue => (index < command.length - 1 ? this.operand(dot, command[index + 1]!) : (final as GoValue));
    if (name === "and" || name === "or") {
      if (count === 0) throw new TemplateExecError(`wrong number of args for ${name}: want at least 1 got 0`);
      // Go stops at the first argument that decides the answer and returns that argument.
      let value: GoValue;
      for (let index = 0; index < count; index++) {
        value = arg(index);
        if (truth(value) === (name === "or")) return value;
      }
      return value;
    }
    const args: GoValue[] = [];
    for (let index = 0; index < count; index++) args.push(arg(index));
    return functions[name]!(args);
  }

  private operand(dot: GoValue, operand: Operand): GoValue {
    switch (operand.kind) {
      case "field":
        return fieldChain(dot, operand.chain);
      case "variable":
        return fieldChain(this.variable(operand.name).value, operand.chain);
      case "dot":
        return dot;
      case "nil":
        return null;
      case "literal":
        return operand.value;
      case "function":
        return this.call(operand.name, dot, [operand], noFinal);
      case "pipe":
        return fieldChain(this.commands(dot, operand.pipe), operand.chain);
    }
  }
}

function describe(operand: Operand | undefined): string {
  if (operand?.kind === "field") return `.${operand.chain.join(".")}`;
  if (operand?.kind === "variable") return operand.name + operand.chain.map((name) => `.${name}`).join("");
  return operand?.kind ?? "command";
}

function fieldChain(receiver: GoValue, chain: readonly string[]): GoValue {
  let value = receiver;
  for (const name of chain) {
    // Go: a field of the invalid value (a map miss) is the invalid value again.
    if (value === undefined) return undefined;
    if (value === null) throw new TemplateExecError(`nil pointer evaluating interface {}.${name}`);
    if (!isMap(value)) throw new TemplateExecError(`can't evaluate field ${name} in type ${goTypeName(value)}`);
    value = Object.hasOwn(value, name) ? value[name] : undefined;
  }
  return value;
}

/** The rendered text; on an execution error, what was written before it and the error (Go's Execute keeps both). */
export function execute(
  tree: readonly TemplateNode[],
  data: GoValue,
  limits: RenderLimits = defaultRenderLimits,
): { output: string; error?: TemplateExecError } {
  const execution = new Execution(data, limits);
  try {
    execution.walk(tree, data);
    return { output: execution.output };
  } catch (error) {
    if (!(error instanceof TemplateExecError)) throw error;
    return { output: execution.output, error };
  }
}
