import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  accessRightsPatternProblems,
  compileAllowedUrl,
  compileListenPath,
  compilePathPattern,
  listenPathError,
  pathPatternError,
  withoutTrailingSlashes,
} from "../../src/apidef/paths";
import { regexProblem, safeRegExp, UnsafeRegexError } from "../../src/lib/regex-safety";

/*
 * The regex safety check: a catalogue of patterns JavaScript's backtracking
 * engine cannot run in linear time (refused, naming the construct), of the
 * patterns Tyk definitions really use (accepted), and, for what is accepted,
 * proof by measurement that long inputs built to make a backtracking engine
 * struggle are answered at once.
 */

/** Refused patterns and the construct each message must name. */
const dangerous: [source: string, construct: string][] = [
  ["(a+)+b", '"(a+)+"'],
  ["^/(a+)+b/?$", '"(a+)+"'],
  ["(a*)*b", '"(a*)*"'],
  ["(a|a)*b", '"(a|a)*"'],
  ["(a|ab)*c", '"(a|ab)*"'],
  ["^(\\d+)*$", '"(\\d+)*"'],
  ["^(a|b|ab)*$", '"(a|b|ab)*"'],
  ["(.*a){12}", '"(.*a){12}"'],
  ["(?:a?|b?){30}c", '"(?:a?|b?){30}"'],
  ["(a?){30}a{30}", '"(a?){30}"'],
  ["^x.*y.*z", '".*"'],
  ["^.*.*x", '".*"'],
  ["^/a/.*/b/.*/?$", '".*"'],
  // Polynomial only because an unanchored pattern is retried from every offset.
  ["\\w+@", "anchoring it with ^"],
  ["(\\w+)/(\\w+)", "anchoring it with ^"],
  ["\\s*,\\s*", "anchoring it with ^"],
  ["\\d+\\.\\d+", "anchoring it with ^"],
];

const unsupported: [source: string, construct: string][] = [
  ["(a)\\1", 'back-reference "\\1"'],
  ["(?<n>a)\\k<n>", 'back-reference "\\k<…>"'],
  ["(?=a)b", 'lookahead "(?=…)"'],
  ["(?!a)b", 'lookahead "(?!…)"'],
  ["(?<=a)b", 'lookbehind "(?<=…)"'],
  ["(?<!a)b", 'lookbehind "(?<!…)"'],
  ["[\\1]", 'octal escape "\\1"'],
  ["\\01", 'octal escape "\\0"'],
];

/** Patterns from Tyk's samples, docs and this gateway's tests, as compiled (path patterns through compilePathPattern below). */
const safe: [source: string, flags: string][] = [
  ["/(\\w+)/(\\w+)", ""],
  ["^/old/(\\w+)$", ""],
  ["^v(\\d+)$", ""],
  ["^(gold|silver)$", ""],
  ["^(fast|slow)$", ""],
  ["^(eu)-", ""],
  ["^(acme)-(\\w+)$", ""],
  [".*", ""],
  [".", ""],
  ["(\\w+)", ""],
  ["foo", ""],
  ['"user":\\s*"(\\w+)"', ""],
  ["^\\w+@", ""],
  ["^\\d+\\.\\d+$", ""],
  ["^Bearer (.+)$", ""],
  ["^(?:[a-z]+\\.)*[a-z]+$", ""],
  ["^(GET|POST|PUT|PATCH|DELETE)$", ""],
  ["[^,]+", ""],
  ["^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$", "u"],
  ["^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", "i"],
  ["^(?:ab){3,10}c", ""],
  ["\\p{L}+", "u"],
  // Unanchored bounded repeats: too many exact states, walked through their upper bound (regex-walk.ts).
  ["[0-7][0-9A-HJKMNP-TV-Z]{25}", "g"],
  ["[0-9a-f]{32}", "g"],
];

/** Tyk path patterns (samples and tests) that must keep compiling. */
const tykPaths = [
  ".*",
  "validate",
  "/post",
  "/users/{id}",
  "/users/{id}$",
  "^/exact",
  "/files/*",
  "/a/*/c",
  "/secret/.*",
  "/delay/{ms}",
  "/drip/{chunks}/{ms}",
];

/** Inputs that make a backtracking engine retry: long runs of what patterns match, then something that fails. */
function hostileInputs(length: number): string[] {
  const units = ["a", "b", "/", " ", "0", "x", ".", "ab", "a/", "/a", "aa/", "a.", "0.", "a@", "-a", "/users/", '"user":"a'];
  return units.flatMap((unit) => ["!", "\n", "/", ""].map((tail) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length) + tail));
}

/** The slowest of the regex's runs over hostile inputs, in milliseconds. */
function slowestRun(regex: RegExp, inputs: string[]): number {
  const run = (input: string) => {
    const started = performance.now();
    regex.lastIndex = 0;
    regex.test(input);
    return performance.now() - started;
  };
  // A slow run is timed twice more before it counts, so a garbage-collection pause does not fail the test.
  const timeOf = (input: string) => {
    const first = run(input);
    return first > 50 ? Math.min(first, run(input), run(input)) : first;
  };
  return Math.max(...inputs.map(timeOf));
}

describe("regex safety check: refused", () => {
  it.each(dangerous)("%s: names %s", (source, construct) => {
    const problem = regexProblem(source);
    expect(problem).toContain(construct);
    expect(problem).toContain("backtracking");
  });

  it.each(unsupported)("%s: names %s (RE2 has no such construct)", (source, construct) => {
    expect(regexProblem(source)).toContain(`${construct} is not allowed`);
  });

  it("throws UnsafeRegexError from safeRegExp, quoting the pattern", () => {
    expect(() => safeRegExp("(a+)+b")).toThrow(UnsafeRegexError);
    expect(() => safeRegExp("(a+)+b")).toThrow('unsafe regex "(a+)+b"');
  });

  it("passes on the compiler's own message for a pattern that does not compile", () => {
    expect(regexProblem("(")).toMatch(/Invalid regular expression/);
    expect(() => safeRegExp("(")).toThrow(SyntaxError);
  });

  it("checks case-insensitive patterns as compiled: parts that overlap only once folded are refused", () => {
    expect(regexProblem("^/a*A*x")).toBeNull();
    expect(regexProblem("^/a*A*x", "i")).toContain('"A*"');
    expect(pathPatternError("/a*A*x", true)).toContain("too many ways");
  });

  it("refuses patterns too large to check instead of guessing", () => {
    expect(regexProblem("^(?:a|b){1,999}$")).toContain("too complex to check");
    expect(regexProblem(`${"(".repeat(150)}a${")".repeat(150)}`)).toContain("nest more than");
  });

  it("refuses in milliseconds, however adversarial the pattern", () => {
    for (const source of ["(?:a|b|c|d|e|f|g|h|i|j){1,100}", "(?:\\w\\W){1,400}", "^(?:x[0-9]{1,9}){1,100}$", "\\s^|$\\s{1,}\\u{41}\\u{41}b\\s"]) {
      const started = performance.now();
      regexProblem(source);
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });
});

describe("regex safety check: accepted", () => {
  it.each(safe)("%s (flags %s) is accepted", (source, flags) => {
    expect(regexProblem(source, flags)).toBeNull();
  });

  it.each(tykPaths)("the Tyk path %s compiles", (path) => {
    expect(pathPatternError(path)).toBeNull();
    expect(compilePathPattern(path)).toBeInstanceOf(RegExp);
  });

  it("reads a path that already starts with .* without adding a second .*", () => {
    expect(compilePathPattern(".*").source).toBe("^.*\\/?$");
    expect(compilePathPattern(".*").test("/anything/at/all")).toBe(true);
    expect(compilePathPattern(".*/x").test("/a/x")).toBe(true);
  });

  it("answers 50,000-character hostile inputs within milliseconds for every accepted pattern", () => {
    const inputs = hostileInputs(50_000);
    const regexes = [...safe.map(([source, flags]) => safeRegExp(source, flags)), ...tykPaths.map((path) => compilePathPattern(path))];
    for (const regex of regexes) expect(slowestRun(regex, inputs), regex.source).toBeLessThan(250);
  });

  it("answers hostile inputs in linear time for any pattern it accepts (property over generated patterns)", () => {
    const atom = fc.constantFrom("a", "b", "/", ".", "[^/]", "[ab]", "\\w", "\\d", "x", "^", "$", "\\s");
    const pattern = fc.letrec<{ regex: string }>((tie) => ({
      regex: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        atom,
        fc.tuple(tie("regex"), tie("regex")).map(([a, b]) => a + b),
        fc.tuple(tie("regex"), tie("regex")).map(([a, b]) => `(?:${a}|${b})`),
        fc.tuple(tie("regex"), fc.constantFrom("*", "+", "?", "{2}", "{1,3}", "{2,}", "*?")).map(([a, quantifier]) => `(?:${a})${quantifier}`),
      ),
    })).regex;
    const inputs = hostileInputs(40_000);
    fc.assert(
      fc.property(pattern, (source) => {
        if (regexProblem(source) !== null) return;
        expect(slowestRun(new RegExp(source), inputs), source).toBeLessThan(250);
      }),
      { numRuns: 150, seed: 16 },
    );
  });
});

describe("patterns in keys and policies", () => {
  it("names the access right and field of every unusable allowed_urls and endpoints pattern", () => {
    const problems = accessRightsPatternProblems({
      api1: { allowed_urls: [{ url: "/users/{id}" }, { url: "/(a+)+b" }], endpoints: [{ path: "/ok" }, { path: "(a)\\1" }] },
      api2: { allowed_urls: [{ url: "/fine" }] },
    });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^access_rights\.api1\.allowed_urls\.1\.url: "\(a\+\)\+" can match/);
    expect(problems[1]).toMatch(/^access_rights\.api1\.endpoints\.1\.path: back-reference "\\1" is not allowed/);
  });

  it("compiles allowed_urls anchored at the start only, {id} for one segment", () => {
    const regex = compileAllowedUrl("/users/{id}");
    expect([regex.test("/users/7"), regex.test("/users/7/orders"), regex.test("/v1/users/7")]).toEqual([true, true, false]);
    expect(() => compileAllowedUrl("/(a+)+b")).toThrow(UnsafeRegexError);
  });
});

describe("listen paths with {param} segments", () => {
  it("refuses params that can split one segment many ways, since every request is routed through them", () => {
    expect(listenPathError("/{a}{b}{c}x")).toContain('"[^/]+" can match');
    expect(listenPathError("/{a}x{b}y")).toContain('"[^/]+" can match');
  });

  it("accepts the usual shapes and still matches on a segment boundary, fast on long paths", () => {
    for (const listenPath of ["/{tenant}/api/", "/v1/{id}", "/{a}-{b}/", "/{a}/{b}", "/static"]) expect(listenPathError(listenPath)).toBeNull();
    const match = compileListenPath("/{a}-{b}/");
    expect([match("/x-y/z"), match("/x-y"), match("/xy/z"), match("/x-yz")]).toEqual([4, 4, -1, 5]);
    for (const path of [`/${"-".repeat(16_000)}`, `/${"a-".repeat(8000)}!`]) {
      const started = performance.now();
      match(path);
      expect(performance.now() - started).toBeLessThan(100);
    }
  });

  it("trims trailing slashes in linear time (the regex /\\/+$/ takes seconds on a long run of slashes)", () => {
    expect([withoutTrailingSlashes("/a///"), withoutTrailingSlashes("///"), withoutTrailingSlashes("/a/b")]).toEqual(["/a", "", "/a/b"]);
    const started = performance.now();
    expect(withoutTrailingSlashes(`${"/".repeat(200_000)}x`)).toHaveLength(200_001);
    expect(performance.now() - started).toBeLessThan(100);
  });
});
