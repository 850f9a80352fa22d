import { describe, expect, it } from "vitest";
import { compileGoTemplate, type GoValue, TemplateSyntaxError, UnsupportedTemplateError } from "../../src/template";
import { formatFloat, sprintf } from "../../src/template/format";

// Expected outputs are what Go's text/template prints for the same template and data (data decoded by encoding/json).
const data = JSON.parse(`{
  "name": "bob", "n": 1234567, "small": 0.00001, "f": 1.5, "int": 42, "yes": true, "nul": null,
  "list": [1, "a", null, {"x": 2}], "m": {"b": 2, "a": "x"}, "empty": [], "html": "<b>&'\\""
}`) as GoValue;

function render(template: string, input: GoValue = data): string {
  const { output, error } = compileGoTemplate(template).render(input);
  if (error) throw error;
  return output;
}

function failure(template: string, input: GoValue = data): { output: string; message: string | undefined } {
  const { output, error } = compileGoTemplate(template).render(input);
  return { output, message: error?.message };
}

function refusal(template: string): string {
  try {
    compileGoTemplate(template);
  } catch (error) {
    if (error instanceof UnsupportedTemplateError || error instanceof TemplateSyntaxError) return error.message;
    throw error;
  }
  throw new Error(`template was accepted: ${template}`);
}

describe("Go text/template: fields and printing", () => {
  it("prints fields, nested fields and the data itself as Go does", () => {
    expect(render("{{.name}} {{.m.a}} {{.}}", { name: "bob", m: { a: "x" } })).toBe("bob x map[m:map[a:x] name:bob]");
  });

  it("prints a missing key, a field below it and a JSON null as <no value> (Tyk's default missingkey)", () => {
    expect(render("[{{.missing}}] [{{.missing.deep}}] [{{.nul}}]")).toBe("[<no value>] [<no value>] [<no value>]");
  });

  it("passes a missing value to a function as nil", () => {
    expect(render("{{print .missing}} {{printf `%v` .nul}}")).toBe("<nil> <nil>");
  });

  it("formats float64 like fmt's %v: shortest digits, exponent from 1e+06 and below 1e-04", () => {
    expect(render("{{.n}} {{.small}} {{.f}} {{.int}}")).toBe("1.234567e+06 1e-05 1.5 42");
    expect([100000, 1000000, 0.0001, -2.5e-7, 123456.7, 1e21].map(formatFloat)).toEqual(["100000", "1e+06", "0.0001", "-2.5e-07", "123456.7", "1e+21"]);
  });

  it("formats lists and maps as fmt does: [a b], map[k:v] with sorted keys, <nil> inside", () => {
    expect(render("{{.list}} {{.m}} {{.empty}}")).toBe("[1 a <nil> map[x:2]] map[a:x b:2] []");
  });

  it("prints template literals: ints, floats, strings, bools", () => {
    expect(render('{{1}} {{1.0}} {{1e3}} {{0x1F}} {{"q\\t"}} {{`raw\\n`}} {{true}}')).toBe("1 1 1000 31 q\t raw\\n true");
  });

  it("fails on a field of nil and of a string, keeping what was written before", () => {
    expect(failure("ok {{.nul.x}}")).toEqual({ output: "ok ", message: "nil pointer evaluating interface {}.x" });
    expect(failure("{{.name.first}}").message).toBe("can't evaluate field first in type string");
  });
});

describe("Go text/template: control structures", () => {
  it("ranges over lists with index and element, and over maps in key order", () => {
    expect(render("{{range $i, $e := .list}}{{$i}}={{$e}};{{end}}")).toBe("0=1;1=a;2=<no value>;3=map[x:2];");
    expect(render("{{range $k, $v := .m}}{{$k}}:{{$v}} {{end}}")).toBe("a:x b:2 ");
    expect(render("{{range .list}}[{{.}}]{{end}}")).toBe("[1][a][<no value>][map[x:2]]");
    expect(render("{{range $e := .m}}{{$e}},{{end}}")).toBe("x,2,");
  });

  it("runs range's else for an empty list and a missing field, and fails on a string", () => {
    expect(render("{{range .empty}}x{{else}}none{{end}} {{range .missing}}x{{else}}none{{end}}")).toBe("none none");
    expect(failure("{{range .name}}x{{end}}").message).toBe("range can't iterate over bob");
  });

  it("uses $ for the root inside range and with", () => {
    expect(render("{{range .empty}}{{else}}{{with .m}}{{.a}}-{{$.name}}{{end}}{{end}}")).toBe("x-bob");
  });

  it("chooses if / else if / else by Go's truth", () => {
    const choose = "{{if .a}}a{{else if .b}}b{{else}}none{{end}}";
    expect(render(choose, { a: 1, b: true })).toBe("a");
    expect(render(choose, { a: 0, b: "x" })).toBe("b");
    expect(render(choose, { a: [], b: {} })).toBe("none");
  });

  it("with sets dot and has an else", () => {
    expect(render("{{with .m}}{{.b}}{{end}}|{{with .missing}}x{{else}}{{.name}}{{end}}")).toBe("2|bob");
  });

  it("declares, assigns and scopes variables", () => {
    expect(render("{{$x := .name}}{{if true}}{{$x = 2}}{{$y := 3}}{{end}}{{$x}}")).toBe("2");
    expect(refusal("{{if true}}{{$y := 3}}{{end}}{{$y}}")).toContain('undefined variable "$y"');
  });

  it("trims white space at trim markers and drops comments", () => {
    expect(render("a  {{- .name -}}  \n b {{/* note */}}c {{- /* trimmed */ -}} d")).toBe("abobb cd");
  });

  it("pipes a value as the last argument of the next command", () => {
    expect(render('{{.name | printf "%s-%s" "x"}} {{.html | html}}')).toBe("x-bob &lt;b&gt;&amp;&#39;&#34;");
  });

  it("evaluates parenthesised pipelines", () => {
    expect(render("{{if (eq (len .list) 4)}}four{{end}} {{(index .list 3).x}}")).toBe("four 2");
  });
});

describe("Go text/template: functions", () => {
  it("compares basic values of one kind; a JSON number against an int literal fails as in Go", () => {
    expect(render('{{eq .name "bob"}} {{eq .name "x" "bob"}} {{ne .f 1.5}} {{lt .f 2.0}} {{ge .int 42.0}} {{gt "b" "a"}}')).toBe(
      "true true false true true true",
    );
    expect(failure("{{eq .int 42}}").message).toBe("error calling eq: incompatible types for comparison");
    expect(failure("{{eq .m .m}}").message).toBe("error calling eq: non-comparable type map[string]interface {}");
  });

  it("and / or return the deciding argument, not; len counts bytes, items and keys", () => {
    expect(render('{{and 1 0 "x"}} {{or 0 "" "z"}} {{not .yes}} {{len "héllo"}} {{len .list}} {{len .m}}')).toBe("0 z false 6 4 2");
  });

  it("and stops at the first false argument", () => {
    expect(render("{{and .missing .nul.x}}")).toBe("<no value>");
  });

  it("index reads lists by int and maps by key", () => {
    expect(render('{{index .list 1}} {{index .m "a"}} {{index .m "zz"}}')).toBe("a x <no value>");
    expect(failure("{{index .list 9}}").message).toBe("error calling index: index out of range: 9");
  });

  it("print, println and printf follow fmt", () => {
    expect(render('{{print 1 2 "a" 3 "b" "c"}}|{{println .name 2}}|{{printf "%5.1f|%-4d|%03d|%q|%v|%t|%x" .f 7 7 .name .m .yes "hi"}}')).toBe(
      '1 2a3bc|bob 2\n|  1.5|7   |007|"bob"|map[a:x b:2]|true|6869',
    );
    expect(sprintf("%d %s %d", [1.5, 2n])).toBe("%!d(float64=1.5) %!s(int=2) %!d(MISSING)");
    expect(sprintf("%s", ["a", "b"])).toBe("a%!(EXTRA string=b)");
  });

  it("html, js and urlquery escape as Go's template functions do", () => {
    expect(render('{{js "it\'s <x> \\"q\\""}} {{urlquery "a b&c/d"}} {{html 1 2}}')).toBe('it\\\'s \\u003Cx\\u003E \\"q\\" a+b%26c%2Fd 1 2');
  });

  it("jsonMarshal writes Go's JSON: sorted keys, <>& escaped", () => {
    expect(render("{{jsonMarshal .m}} {{jsonMarshal .list}} {{jsonMarshal .html}} {{jsonMarshal .missing}}")).toBe(
      '{"a":"x","b":2} [1,"a",null,{"x":2}] "\\u003cb\\u003e\\u0026\'\\"" null',
    );
  });

  it("xmlMarshal writes mxj's XML: one key is the root, else <doc>; -attributes and #text", () => {
    expect(render("{{xmlMarshal .}}", { order: { "-id": "7", item: ["a", "b"], note: { "-lang": "en", "#text": "hi & bye" }, empty: "" } })).toBe(
      '<order id="7"><empty/><item>a</item><item>b</item><note lang="en">hi &amp; bye</note></order>',
    );
    expect(render("{{xmlMarshal .m}}")).toBe("<doc><a>x</a><b>2</b></doc>");
  });
});

describe("Go text/template: refused constructs", () => {
  it.each([
    ['{{define "x"}}y{{end}}', "{{define}}"],
    ['{{template "x" .}}', "{{template}}"],
    ['{{block "x" .}}y{{end}}', "{{block}}"],
    ["{{range .list}}{{break}}{{end}}", "{{break}}"],
    ["{{range .list}}{{continue}}{{end}}", "{{continue}}"],
    ["{{call .f}}", 'the function "call"'],
    ["{{upper .name}}", 'the Sprig function "upper"'],
    ["{{frobnicate .name}}", 'the function "frobnicate"'],
    ["{{'a'}}", "the character constant 'a'"],
  ])("refuses %s, naming %s", (template, construct) => {
    expect(refusal(template)).toBe(`line 1: ${construct} is not supported by this gateway's templates`);
  });

  it("refuses syntax errors with the line", () => {
    expect(refusal("a\n{{if .x}}")).toContain("line 2");
    expect(refusal("{{.x")).toContain("unclosed action");
    expect(refusal("{{end}}")).toContain("unexpected {{end}}");
    expect(refusal("{{$nope}}")).toContain('undefined variable "$nope"');
  });
});

describe("Go text/template: bounds", () => {
  it("stops a template whose output passes the limit", () => {
    const template = compileGoTemplate("{{range .}}{{range $}}{{range $}}xxxxxxxxxx{{end}}{{end}}{{end}}", { maxOutput: 1000, maxSteps: 1e9 });
    const { error } = template.render(Array.from({ length: 50 }, () => 1));
    expect(error?.message).toBe("template output exceeds 1000 characters");
  });

  it("stops a template that works too long without writing", () => {
    const template = compileGoTemplate("{{range .}}{{range $}}{{range $}}{{end}}{{end}}{{end}}", { maxOutput: 1000, maxSteps: 10_000 });
    const { error } = template.render(Array.from({ length: 50 }, () => 1));
    expect(error?.message).toBe("template execution exceeds 10000 steps");
  });
});

describe("Go text/template: range over an int", () => {
  it("counts from 0 (Go 1.22), and refuses a count past the work limit before building it", () => {
    expect(render("{{range $i := 3}}{{$i}}{{end}}")).toBe("012");
    expect(failure("{{range 1000000000000}}x{{end}}").message).toBe("template execution exceeds 5000000 steps");
  });
});

describe("Go text/template: %q", () => {
  it("quotes as strconv.Quote does", () => {
    expect(sprintf("%q", ['a"b\\c\n\t\x01\x7f\u2028é \\u0041'])).toBe('"a\\"b\\\\c\\n\\t\\x01\\x7f\\u2028é \\\\u0041"');
  });
});
