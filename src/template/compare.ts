import { type GoValue, goTypeName, TemplateExecError } from "./values";

/*
 * Go's template comparison functions. Only basic kinds compare, and only
 * with the same kind: `eq .count 1` fails on a JSON number (a float64)
 * against an int literal, as it does in Tyk; write `eq .count 1.0`.
 */

type Basic = "bool" | "int" | "float" | "string";

function basicKind(value: GoValue): Basic | undefined {
  switch (typeof value) {
    case "boolean":
      return "bool";
    case "bigint":
      return "int";
    case "number":
      return "float";
    case "string":
      return "string";
  }
  return undefined;
}

const isNil = (value: GoValue) => value === null || value === undefined;

function equal(left: GoValue, right: GoValue): boolean {
  const leftKind = basicKind(left);
  const rightKind = basicKind(right);
  if (isNil(left) || isNil(right)) return isNil(left) && isNil(right);
  if (!leftKind || !rightKind) throw new TemplateExecError(`error calling eq: non-comparable type ${goTypeName(leftKind ? right : left)}`);
  if (leftKind !== rightKind) throw new TemplateExecError("error calling eq: incompatible types for comparison");
  return left === right;
}

/** `eq a b c…`: a equals any of the others. */
export function eq(args: readonly GoValue[]): boolean {
  if (args.length < 2) throw new TemplateExecError("error calling eq: missing argument for comparison");
  const [first, ...rest] = args;
  return rest.some((other) => equal(first, other));
}

export function ne(args: readonly GoValue[]): boolean {
  if (args.length !== 2) throw new TemplateExecError(`wrong number of args for ne: want 2 got ${args.length}`);
  return !equal(args[0], args[1]);
}

function less(name: string, left: GoValue, right: GoValue): boolean {
  const leftKind = basicKind(left);
  const rightKind = basicKind(right);
  if (!leftKind || !rightKind || leftKind === "bool" || rightKind === "bool") throw new TemplateExecError(`error calling ${name}: invalid type for comparison`);
  if (leftKind !== rightKind) throw new TemplateExecError(`error calling ${name}: incompatible types for comparison`);
  return (left as string | number | bigint) < (right as string | number | bigint);
}

export function compare(name: "lt" | "le" | "gt" | "ge", args: readonly GoValue[]): boolean {
  if (args.length !== 2) throw new TemplateExecError(`wrong number of args for ${name}: want 2 got ${args.length}`);
  const [left, right] = args;
  switch (name) {
    case "lt":
      return less(name, left, right);
    case "le":
      return less(name, left, right) || equal(left, right);
    case "gt":
      return !less(name, left, right) && !equal(left, right);
    case "ge":
      return !less(name, left, right);
  }
}
