import { safeRegExp } from "./regex-safety";

/*
 * OpenAPI path templates (`/pets/{petId}`): the literal parts match as
 * written, each `{name}` matches one non-empty path segment, and a trailing
 * slash on the request is accepted. Unlike Tyk path patterns, nothing in the
 * template is a regular expression.
 */

export interface PathTemplate {
  readonly pattern: RegExp;
  readonly names: readonly string[];
  /** Templated segments: concrete paths are tried before templated ones, as OpenAPI asks. */
  readonly parameters: number;
}

const placeholder = /\{([^/{}]+)\}/g;
const escapeLiteral = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Throws (SyntaxError, UnsafeRegexError) when the template cannot be matched safely. */
export function compilePathTemplate(template: string, ignoreCase = false): PathTemplate {
  const names: string[] = [];
  let source = "";
  let last = 0;
  for (const match of template.matchAll(placeholder)) {
    source += `${escapeLiteral(template.slice(last, match.index))}([^/]+)`;
    names.push(match[1] ?? "");
    last = match.index + match[0].length;
  }
  source += escapeLiteral(template.slice(last).replace(/\/+$/, ""));
  return { pattern: safeRegExp(`^${source}/?$`, ignoreCase ? "i" : ""), names, parameters: names.length };
}

/** The template's parameters by name (percent-decoded where possible), or undefined when the path does not match. */
export function matchPathTemplate(template: PathTemplate, path: string): Record<string, string> | undefined {
  const match = template.pattern.exec(path);
  if (!match) return undefined;
  const values: Record<string, string> = {};
  template.names.forEach((name, index) => {
    const raw = match[index + 1] ?? "";
    try {
      values[name] = decodeURIComponent(raw);
    } catch {
      values[name] = raw;
    }
  });
  return values;
}

/** An operation's template and the more concrete paths that take precedence over it. */
export interface OperationPath {
  readonly template: PathTemplate;
  readonly shadows: readonly PathTemplate[];
}

export function compileOperationPath(template: string, moreSpecific: readonly string[], ignoreCase = false): OperationPath {
  return { template: compilePathTemplate(template, ignoreCase), shadows: moreSpecific.map((path) => compilePathTemplate(path, ignoreCase)) };
}

/** The operation's path parameters, or undefined when the path is not the operation's (a more concrete path takes it). */
export function matchOperationPath(operation: OperationPath, path: string): Record<string, string> | undefined {
  if (!operation.template.pattern.test(path) || operation.shadows.some((shadow) => shadow.pattern.test(path))) return undefined;
  return matchPathTemplate(operation.template, path);
}
