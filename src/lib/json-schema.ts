import { dereference, type Schema, type SchemaDraft, validate } from "@cfworker/json-schema";
import { goSchemaMessages } from "./json-schema-messages";
import { regexProblem as unicodeRegexProblem } from "./regex-safety";

/*
 * JSON Schema validation that runs on Workers (no eval or new Function):
 * @cfworker/json-schema, compiled once per schema, with its findings worded
 * as Tyk's validator (gojsonschema) words them.
 */

export interface CompiledJsonSchema {
  readonly schema: Schema;
  readonly lookup: Record<string, Schema | boolean>;
  readonly draft: SchemaDraft;
}

// Keywords whose values are data, not schemas: nothing inside them is a $ref or a pattern.
const dataKeywords = new Set(["enum", "const", "default", "examples"]);

type Node = Record<string, unknown>;

const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value);

function eachSchemaNode(value: unknown, visit: (node: Node) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) eachSchemaNode(item, visit);
    return;
  }
  if (!isNode(value)) return;
  visit(value);
  for (const [key, child] of Object.entries(value)) if (!dataKeywords.has(key)) eachSchemaNode(child, visit);
}

function hasBooleanExclusive(schema: Schema): boolean {
  let found = false;
  eachSchemaNode(schema, (node) => {
    if (typeof node.exclusiveMinimum === "boolean" || typeof node.exclusiveMaximum === "boolean") found = true;
  });
  return found;
}

/**
 * gojsonschema reads drafts 4, 6 and 7 and, without `$schema`, accepts
 * keywords of all three. @cfworker needs one draft: draft 4 when the schema
 * says so or uses draft 4's boolean `exclusiveMinimum`, else draft 7.
 */
function draftOf(schema: Schema): SchemaDraft {
  const declared = typeof schema.$schema === "string" ? schema.$schema : "";
  if (declared.includes("2020-12")) return "2020-12";
  if (declared.includes("2019-09")) return "2019-09";
  if (declared.includes("draft-04") || hasBooleanExclusive(schema)) return "4";
  return "7";
}

/** Schemas run their patterns in `u` mode over request bodies: the same safety check as every definition regex. */
function regexProblem(source: string): string | null {
  return unicodeRegexProblem(source, "u");
}

/** Everything that would otherwise fail on the first request: unresolvable `$ref`s and patterns that do not compile. */
function schemaProblems(schema: Schema, lookup: Record<string, Schema | boolean>): string[] {
  const problems: string[] = [];
  eachSchemaNode(schema, (node) => {
    const ref = node.$ref;
    if (typeof ref === "string") {
      const absolute = (node as Schema).__absolute_ref__ ?? ref;
      if (lookup[absolute] === undefined) problems.push(`$ref "${ref}" does not resolve inside the schema`);
    }
    if (typeof node.pattern === "string") {
      const problem = regexProblem(node.pattern);
      if (problem) problems.push(`pattern "${node.pattern}": ${problem}`);
    }
    if (isNode(node.patternProperties)) {
      for (const source of Object.keys(node.patternProperties)) {
        const problem = regexProblem(source);
        if (problem) problems.push(`patternProperties "${source}": ${problem}`);
      }
    }
  });
  return problems;
}

/** Compiles a schema once; throws an Error naming what is wrong with it. */
export function compileJsonSchema(raw: Record<string, unknown>): CompiledJsonSchema {
  // dereference annotates the schema it is given; the definition's own object stays untouched.
  const schema = structuredClone(raw) as Schema;
  const lookup = dereference(schema);
  const problems = schemaProblems(schema, lookup);
  if (problems.length > 0) throw new Error(problems.join("; "));
  return { schema, lookup, draft: draftOf(schema) };
}

/** Why `instance` does not match, one message per problem in Tyk's wording; empty when it matches. */
export function jsonSchemaErrors(compiled: CompiledJsonSchema, instance: unknown): string[] {
  const result = validate(instance, compiled.schema, compiled.draft, compiled.lookup, false);
  return result.valid ? [] : goSchemaMessages(result.errors, compiled, instance);
}
