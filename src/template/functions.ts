import { goJsEscape } from "../lib/go-escape";
import { compare, eq, ne } from "./compare";
import { sprint, sprintf, sprintln } from "./format";
import { type GoValue, goTypeName, isMap, TemplateExecError, truth } from "./values";
import { xmlMarshal } from "./xml-marshal";

/*
 * The functions a template may call: Go's builtins (but `call`, which needs
 * Go function values) and the two Tyk adds (`jsonMarshal`, `xmlMarshal`).
 * `and` and `or` are evaluated by the executor, which stops at the first
 * argument that decides, as Go does.
 */

export type TemplateFunction = (args: GoValue[]) => GoValue;

const utf8 = new TextEncoder();

function length(args: GoValue[]): GoValue {
  const [item] = exactly("len", args, 1);
  if (typeof item === "string") return BigInt(utf8.encode(item).byteLength);
  if (Array.isArray(item)) return BigInt(item.length);
  if (isMap(item)) return BigInt(Object.keys(item).length);
  throw new TemplateExecError(`error calling len: len of type ${goTypeName(item)}`);
}

function exactly(name: string, args: GoValue[], count: number): GoValue[] {
  if (args.length !== count) throw new TemplateExecError(`wrong number of args for ${name}: want ${count} got ${args.length}`);
  return args;
}

function index(args: GoValue[]): GoValue {
  if (args.length === 0) throw new TemplateExecError("wrong number of args for index: want at least 1 got 0");
  let [item, ...keys] = args;
  for (const key of keys) {
    if (item === null || item === undefined) throw new TemplateExecError("error calling index: index of untyped nil");
    if (Array.isArray(item) || typeof item === "string") {
      if (typeof key !== "bigint") throw new TemplateExecError(`error calling index: cannot index slice/array with type ${goTypeName(key)}`);
      const size = typeof item === "string" ? utf8.encode(item).byteLength : item.length;
      if (key < 0n || key >= BigInt(size)) throw new TemplateExecError(`error calling index: index out of range: ${key}`);
      item = typeof item === "string" ? BigInt(utf8.encode(item)[Number(key)]!) : item[Number(key)];
    } else if (isMap(item)) {
      if (typeof key !== "string") throw new TemplateExecError(`error calling index: value has type ${goTypeName(key)}; should be string`);
      // A missing key gives the element type's zero value: a nil interface.
      item = Object.hasOwn(item, key) ? item[key] : null;
    } else {
      throw new TemplateExecError(`error calling index: can't index item of type ${goTypeName(item)}`);
    }
  }
  return item;
}

/** Go's `evalArgs` for html/js/urlquery: one string argument is used as it is, anything else is Sprint'ed. */
function textOf(args: GoValue[]): string {
  const [only] = args;
  return args.length === 1 && typeof only === "string" ? only : sprint(args);
}

const htmlEscapes: Record<string, string> = { '"': "&#34;", "'": "&#39;", "&": "&amp;", "<": "&lt;", ">": "&gt;", "\0": "\uFFFD" };

/** Go's url.QueryEscape. */
function queryEscape(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
    .replaceAll("%20", "+");
}

/** Go's encoding/json: sorted keys, `<>&` and U+2028/9 escaped, ints as ints. */
function jsonMarshal(args: GoValue[]): GoValue {
  const [value] = exactly("jsonMarshal", args, 1);
  const encode = (item: GoValue): string => {
    if (item === null || item === undefined) return "null";
    if (typeof item === "bigint") return item.toString();
    if (typeof item === "number") {
      if (!Number.isFinite(item)) throw new TemplateExecError(`error calling jsonMarshal: json: unsupported value: ${item}`);
      return JSON.stringify(item);
    }
    if (typeof item === "string" || typeof item === "boolean") {
      return JSON.stringify(item).replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
    }
    if (Array.isArray(item)) return `[${item.map(encode).join(",")}]`;
    const keys = Object.keys(item).sort();
    return `{${keys.map((key) => `${encode(key)}:${encode(item[key])}`).join(",")}}`;
  };
  return encode(value);
}

export const functions: Record<string, TemplateFunction> = {
  not: (args) => !truth(exactly("not", args, 1)[0]),
  len: length,
  index,
  print: (args) => sprint(args),
  println: (args) => sprintln(args),
  printf: (args) => {
    const [format, ...rest] = args;
    if (typeof format !== "string") throw new TemplateExecError(`wrong type for value; expected string; got ${goTypeName(format)}`);
    return sprintf(format, rest);
  },
  html: (args) => textOf(args).replace(/["'&<>\0]/g, (char) => htmlEscapes[char]!),
  js: (args) => goJsEscape(textOf(args)),
  urlquery: (args) => queryEscape(textOf(args)),
  eq: (args) => eq(args),
  ne: (args) => ne(args),
  lt: (args) => compare("lt", args),
  le: (args) => compare("le", args),
  gt: (args) => compare("gt", args),
  ge: (args) => compare("ge", args),
  jsonMarshal,
  xmlMarshal: (args) => xmlMarshal(exactly("xmlMarshal", args, 1)[0]),
};

/** Every name a template may call; `and` / `or` are run by the executor itself. */
export const knownFunctions: ReadonlySet<string> = new Set([...Object.keys(functions), "and", "or"]);

/**
 * Tyk also registers the Sprig library's functions; they are not implemented
 * here. Naming the common ones lets the refusal say where a name comes from.
 */
export const sprigOnlyFunctions: ReadonlySet<string> = new Set(
  (
    "default empty coalesce ternary upper lower title trim trimAll trimPrefix trimSuffix replace contains hasPrefix hasSuffix quote squote " +
    "cat indent nindent join split splitList toString toJson toPrettyJson fromJson toRawJson b64enc b64dec sha256sum uuidv4 now date " +
    "dateInZone add sub mul div mod max min atoi int int64 float64 list dict get set hasKey keys values pluck first last rest " +
    "until untilStep regexMatch regexReplaceAll randAlphaNum substr trunc abbrev repeat nospace"
  ).split(" "),
);
