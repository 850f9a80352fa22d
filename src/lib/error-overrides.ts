import * as z from "zod";
import { responseFlags, type ResponseFlag } from "./error-flags";
import { type BodyTemplate, parseBodyTemplate, TemplateRefusal } from "./error-override-template";
import { regexProblem, safeRegExp } from "./regex-safety";

/*
 * Tyk 5.x `error_overrides` (apidef/error_overrides.go): rules keyed by the
 * status of the error they replace ("404", or a class such as "5xx"), each an
 * optional `match` and the `response` to send instead. The same shape is an
 * API definition field and the gateway-wide setting (tyk.conf
 * `error_overrides`, here TYK_GW_ERROROVERRIDES). Tyk logs and skips a rule
 * it cannot compile; here a definition with a broken rule (a pattern or
 * template that does not compile, an unknown flag) is refused with the field
 * named, so a typo never silently turns a rule off. A pattern that compiles
 * but fails the regex safety check is the exception: Tyk runs it, so the
 * definition is served, with a warning, and that pattern never matches (the
 * rule's flag or body field still can).
 */

const statusKey = /^(?:\d{1,3}|[1-9]xx)$/;

const matcher = z.object({
  flag: z.union([z.enum(responseFlags), z.literal("")]).default(""),
  message_pattern: z.string().default(""),
  body_field: z.string().default(""),
  body_value: z.string().default(""),
});

const overrideResponse = z.object({
  // 0 keeps the error's own status.
  status_code: z
    .number()
    .int()
    .refine((code) => code === 0 || (code >= 100 && code <= 599), "must be 0 (keep the status) or an HTTP status, 100 to 599")
    .default(0),
  body: z.string().default(""),
  message: z.string().default(""),
  template: z.string().default(""),
  headers: z.record(z.string(), z.string()).nullable().default({}),
});

const rule = z.object({ match: matcher.nullable().default(null), response: overrideResponse });

export const errorOverridesSchema = z
  .record(z.string(), z.array(rule).nullable())
  .nullable()
  .default({})
  .superRefine((map, ctx) => {
    for (const [key, rules] of Object.entries(map ?? {})) {
      if (!statusKey.test(key)) ctx.addIssue({ code: "custom", path: [key], message: `"${key}" is not a status code ("404") or class ("5xx")` });
      rules?.forEach((entry, index) => {
        const at = (...path: string[]) => [key, index, ...path];
        const problem = entry.match?.message_pattern ? patternProblem(entry.match.message_pattern) : null;
        if (problem?.kind === "syntax") ctx.addIssue({ code: "custom", path: at("match", "message_pattern"), message: problem.message });
        try {
          parseBodyTemplate(entry.response.body);
        } catch (error) {
          if (!(error instanceof TemplateRefusal)) throw error;
          ctx.addIssue({ code: "custom", path: at("response", "body"), message: `not a template this gateway runs: ${error.message}` });
        }
      });
    }
  });

export type ErrorOverridesMap = z.output<typeof errorOverridesSchema>;

export interface CompiledRule {
  /** null: no `match`, the rule takes every error of its status. */
  match: {
    flag: ResponseFlag | "";
    pattern: RegExp | null;
    /** `body_field` and `body_value`, when both are set (Tyk ignores one without the other). */
    bodyField: { path: string; value: string } | null;
  } | null;
  status: number;
  body: string;
  template: BodyTemplate | null;
  message: string;
  /** `response.template`: a template file by name. */
  file: string;
  headers: readonly (readonly [string, string])[];
}

export interface CompiledOverrides {
  exact: ReadonlyMap<number, readonly CompiledRule[]>;
  /** Rules for a class of statuses, by its first digit. */
  byClass: ReadonlyMap<number, readonly CompiledRule[]>;
}

/** Go's inline flags at the start of a pattern, "(?i)", become JavaScript flags; Go's "(?P<name>" is JavaScript's "(?<name>". */
function toJavaScript(source: string): { source: string; flags: string } {
  const inline = /^\(\?([imsU]+)\)/.exec(source);
  if (inline?.[1]?.includes("U")) throw new SyntaxError("Go's (?U) (ungreedy) flag has no JavaScript equivalent");
  const body = (inline ? source.slice(inline[0].length) : source).replaceAll("(?P<", "(?<");
  return { source: body, flags: inline?.[1] ?? "" };
}

/** A `message_pattern` as a JavaScript regex that passes the safety check; throws otherwise. */
export function goRegExp(pattern: string): RegExp {
  const { source, flags } = toJavaScript(pattern);
  return safeRegExp(source, flags);
}

/**
 * Why a `message_pattern` cannot run: "syntax" when it does not compile (the
 * definition is refused), "unsafe" when the regex safety check refuses it
 * (Tyk's Go engine would run it; here it never matches, with a warning, and
 * the API is still served).
 */
export function patternProblem(pattern: string): { kind: "syntax" | "unsafe"; message: string } | null {
  let converted: { source: string; flags: string };
  try {
    converted = toJavaScript(pattern);
    new RegExp(converted.source, converted.flags);
  } catch (error) {
    return { kind: "syntax", message: error instanceof Error ? error.message : String(error) };
  }
  const problem = regexProblem(converted.source, converted.flags);
  return problem ? { kind: "unsafe", message: `unsafe regex: ${problem}` } : null;
}

type Rules = NonNullable<ErrorOverridesMap>;

/** The patterns turned down as unsafe, by field path below error_overrides (<status>.<index>.match.message_pattern). */
export function skippedPatterns(map: ErrorOverridesMap): { path: string; problem: string }[] {
  return Object.entries(map ?? ({} as Rules)).flatMap(([status, rules]) =>
    (rules ?? []).flatMap((entry, index) => {
      const problem = entry.match?.message_pattern ? patternProblem(entry.match.message_pattern) : null;
      return problem?.kind === "unsafe" ? [{ path: `${status}.${index}.match.message_pattern`, problem: problem.message }] : [];
    }),
  );
}

/** Stands for a pattern the safety check refused: the rest of its rule (flag, body field) still counts. */
const neverMatches = /[^\s\S]/;

function compileRule(entry: z.output<typeof rule>): CompiledRule {
  const { match, response } = entry;
  const pattern = match?.message_pattern ? (patternProblem(match.message_pattern) ? neverMatches : goRegExp(match.message_pattern)) : null;
  return {
    match: match && {
      flag: match.flag,
      pattern,
      bodyField: match.body_field && match.body_value ? { path: match.body_field, value: match.body_value } : null,
    },
    status: response.status_code,
    body: response.body,
    template: parseBodyTemplate(response.body),
    message: response.message,
    file: response.template,
    headers: Object.entries(response.headers ?? {}),
  };
}

/** Indexes a validated map once per snapshot; null when it has no rule. */
export function compileErrorOverrides(map: ErrorOverridesMap): CompiledOverrides | null {
  const exact = new Map<number, CompiledRule[]>();
  const byClass = new Map<number, CompiledRule[]>();
  for (const [key, rules] of Object.entries(map ?? {})) {
    if (!rules?.length) continue;
    const compiled = rules.map(compileRule);
    if (key.endsWith("xx")) byClass.set(Number(key[0]), compiled);
    else exact.set(Number(key), compiled);
  }
  return exact.size + byClass.size === 0 ? null : { exact, byClass };
}

/** TYK_GW_ERROROVERRIDES: tyk.conf's `error_overrides` as JSON, the rules tried after an API's own. */
export const errorOverridesEnvShape = {
  TYK_GW_ERROROVERRIDES: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (!text?.trim()) return {};
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        ctx.addIssue({ code: "custom", message: `not JSON: ${error instanceof Error ? error.message : String(error)}` });
        return z.NEVER;
      }
    })
    .pipe(errorOverridesSchema)
    // The operator's own setting: an unsafe pattern stops the gateway from starting rather than being skipped.
    .superRefine((map, ctx) => {
      for (const { path, problem } of skippedPatterns(map)) ctx.addIssue({ code: "custom", path: path.split("."), message: problem });
    })
    .transform(compileErrorOverrides),
};
