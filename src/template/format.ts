import { type GoValue, goTypeName, isMap, sortedKeys } from "./values";

/*
 * Go's fmt for the values templates print: `%v` of float64 is `%g` with the
 * shortest digits (1e+06, not 1000000), maps print as `map[k:v]` with sorted
 * keys, slices as `[a b]`, nil as `<nil>`. `printf` knows the common verbs
 * (v s d f e g t q x c %) with flags, width and precision; a verb that does
 * not fit its argument prints Go's `%!verb(type=value)`.
 */

/** Shortest digits and decimal exponent of a finite number, as strconv finds them. */
function shortestDigits(value: number): { digits: string; exponent: number } {
  const [mantissa = "0", exp = "0"] = Math.abs(value).toExponential().split("e");
  return { digits: mantissa.replace(".", ""), exponent: Number(exp) };
}

function exponentText(exponent: number): string {
  const sign = exponent < 0 ? "-" : "+";
  return `e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
}

/** Go's `%v` / `%g` of a float64 with the shortest representation. */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const magnitude = Math.abs(value);
  // JavaScript's shortest digits without an exponent are Go's in this range.
  if (magnitude >= 1e-4 && magnitude < 1e6) return String(value);
  const sign = value < 0 ? "-" : "";
  const { digits, exponent } = shortestDigits(value);
  // strconv's %g with the shortest digits switches to an exponent below 1e-4 and from 1e+06 on.
  if (exponent < -4 || exponent >= 6) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mantissa}${exponentText(exponent)}`;
  }
  return sign + Math.abs(value).toString();
}

/** `%e` with a precision, Go's two-digit exponent. */
function formatExponent(value: number, precision: number): string {
  const [mantissa, exp = "0"] = value.toExponential(precision).split("e");
  return `${mantissa}${exponentText(Number(exp))}`;
}

/** Go's `%v` of a value nested in fmt's output. */
export function formatValue(value: GoValue): string {
  if (value === null || value === undefined) return "<nil>";
  if (typeof value === "string") return value;
  if (typeof value === "number") return formatFloat(value);
  if (typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(" ")}]`;
  return `map[${sortedKeys(value)
    .map((key) => `${key}:${formatValue(value[key])}`)
    .join(" ")}]`;
}

/** Go's `fmt.Sprint`: a space between operands when neither is a string. */
export function sprint(args: readonly GoValue[]): string {
  let out = "";
  args.forEach((arg, index) => {
    const isString = typeof arg === "string";
    if (index > 0 && !isString && typeof args[index - 1] !== "string") out += " ";
    out += formatValue(arg);
  });
  return out;
}

/** Go's `fmt.Sprintln`: always spaces, and a newline. */
export function sprintln(args: readonly GoValue[]): string {
  return `${args.map(formatValue).join(" ")}\n`;
}

const utf8 = new TextEncoder();

const quoteEscapes: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\v": "\\v",
};

/** Go's strconv.Quote: C-style escapes, \xNN for other controls, \uNNNN for unprintable Unicode. */
export function goQuote(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const escaped = quoteEscapes[char];
    if (escaped !== undefined) out += escaped;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else if ((code >= 0x80 && code <= 0x9f) || code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += char;
  }
  return `${out}"`;
}

interface Verb {
  minus: boolean;
  plus: boolean;
  zero: boolean;
  sharp: boolean;
  space: boolean;
  width: number | undefined;
  precision: number | undefined;
  verb: string;
}

const badVerb = (verb: string, arg: GoValue) => (arg === null || arg === undefined ? `%!${verb}(<nil>)` : `%!${verb}(${goTypeName(arg)}=${formatValue(arg)})`);

function pad(text: string, spec: Verb, numeric: boolean): string {
  const width = spec.width ?? 0;
  if (text.length >= width) return text;
  if (spec.minus) return text.padEnd(width);
  if (spec.zero && numeric) {
    const sign = /^[+-]/.test(text) ? text[0]! : "";
    return sign + text.slice(sign.length).padStart(width - sign.length, "0");
  }
  return text.padStart(width);
}

function withSign(text: string, spec: Verb): string {
  if (text.startsWith("-")) return text;
  return spec.plus ? `+${text}` : spec.space ? ` ${text}` : text;
}

function formatNumberVerb(spec: Verb, arg: number): string | undefined {
  const precision = spec.precision;
  switch (spec.verb) {
    case "f":
    case "F":
      return withSign(arg.toFixed(precision ?? 6), spec);
    case "e":
      return withSign(formatExponent(arg, precision ?? 6), spec);
    case "g":
    case "v":
      return withSign(precision === undefined ? formatFloat(arg) : formatFloat(Number(arg.toPrecision(Math.max(precision, 1)))), spec);
  }
  return undefined;
}

function formatOne(spec: Verb, arg: GoValue): string {
  const { verb } = spec;
  if (verb === "v") return typeof arg === "number" ? formatNumberVerb(spec, arg)! : formatValue(arg);
  if (verb === "T") return goTypeName(arg);
  if (typeof arg === "string") {
    if (verb === "s") return spec.precision === undefined ? arg : [...arg].slice(0, spec.precision).join("");
    if (verb === "q") return goQuote(arg);
    if (verb === "x" || verb === "X") {
      const hex = [...utf8.encode(arg)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
      return verb === "X" ? hex.toUpperCase() : hex;
    }
    return badVerb(verb, arg);
  }
  if (typeof arg === "bigint") {
    if (verb === "d") return withSign(arg.toString(), spec);
    if (verb === "x" || verb === "X") return verb === "X" ? arg.toString(16).toUpperCase() : arg.toString(16);
    if (verb === "c") return String.fromCodePoint(Number(arg));
    if (verb === "q") return `'${String.fromCodePoint(Number(arg))}'`;
    return badVerb(verb, arg);
  }
  if (typeof arg === "number") return formatNumberVerb(spec, arg) ?? badVerb(verb, arg);
  if (typeof arg === "boolean") return verb === "t" ? String(arg) : badVerb(verb, arg);
  if (arg === null || arg === undefined) return `%!${verb}(<nil>)`;
  // fmt applies the verb to each element of a slice or map.
  if (Array.isArray(arg)) return `[${arg.map((item) => formatOne(spec, item)).join(" ")}]`;
  if (isMap(arg)) {
    return `map[${sortedKeys(arg)
      .map((key) => `${formatOne(spec, key)}:${formatOne(spec, arg[key])}`)
      .join(" ")}]`;
  }
  return badVerb(verb, arg);
}

const verbPattern = /%([-+# 0]*)(\d+)?(?:\.(\d*))?([a-zA-Z%])?/y;

/** Go's `fmt.Sprintf` for the verbs templates use. */
export function sprintf(format: string, args: readonly GoValue[]): string {
  let out = "";
  let argIndex = 0;
  let index = 0;
  while (index < format.length) {
    const percent = format.indexOf("%", index);
    if (percent < 0) {
      out += format.slice(index);
      break;
    }
    out += format.slice(index, percent);
    verbPattern.lastIndex = percent;
    const match = verbPattern.exec(format)!;
    index = verbPattern.lastIndex;
    const [, flags = "", width, precision, verb] = match;
    if (verb === undefined) {
      out += "%!(NOVERB)";
      continue;
    }
    if (verb === "%") {
      out += "%";
      continue;
    }
    const spec: Verb = {
      minus: flags.includes("-"),
      plus: flags.includes("+"),
      zero: flags.includes("0"),
      sharp: flags.includes("#"),
      space: flags.includes(" "),
      width: width === undefined ? undefined : Number(width),
      precision: precision === undefined ? undefined : Number(precision || 0),
      verb,
    };
    if (argIndex >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argIndex++];
    out += pad(formatOne(spec, arg), spec, typeof arg === "number" || typeof arg === "bigint");
  }
  if (argIndex < args.length) {
    const extra = args.slice(argIndex).map((arg) => (arg === null || arg === undefined ? "<nil>" : `${goTypeName(arg)}=${formatValue(arg)}`));
    out += `%!(EXTRA ${extra.join(", ")})`;
  }
  return out;
}
