import { describe, expect, it } from "vitest";
import { parseGatewayConfig } from "../../src/config";
import { responseFlagOf, templateDataOf } from "../../src/lib/error-flags";
import { gatewayRule, jsonPathValue, upstreamRule } from "../../src/lib/error-override-match";
import { htmlEscape, parseBodyTemplate, renderBodyTemplate } from "../../src/lib/error-override-template";
import { goJsEscape } from "../../src/lib/go-escape";
import { type CompiledOverrides, compileErrorOverrides, errorOverridesSchema, goRegExp, skippedPatterns } from "../../src/lib/error-overrides";
import { upstreamFailure } from "../../src/proxy/failure";
import { messages, TykError } from "../../src/lib/tyk-error";

const compile = (map: unknown): CompiledOverrides => compileErrorOverrides(errorOverridesSchema.parse(map))!;
const body = (text: string) => () => Promise.resolve(text);
const statusOf = async (rule: Promise<{ status: number } | undefined>) => (await rule)?.status;

describe("error_overrides schema", () => {
  const issues = (map: unknown) => errorOverridesSchema.safeParse(map).error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`) ?? [];

  it("accepts Tyk's shapes: exact codes, classes, rules without match, null lists", () => {
    expect(issues({ "404": [{ response: { status_code: 418 } }], "5xx": [{ match: { flag: "URS" }, response: { message: "m" } }], "500": null })).toEqual([]);
    expect(compileErrorOverrides(errorOverridesSchema.parse(null))).toBeNull();
    expect(compileErrorOverrides(errorOverridesSchema.parse({ "500": [] }))).toBeNull();
  });

  it("refuses, naming the field: a key that is no status, an unknown flag, an out-of-range status, a regex that does not compile, a template outside the subset", () => {
    expect(issues({ abc: [] })[0]).toMatch(/^abc: "abc" is not a status code/);
    expect(issues({ "403": [{ match: { flag: "XYZ" }, response: {} }] })[0]).toMatch(/^403\.0\.match\.flag:/);
    expect(issues({ "403": [{ response: { status_code: 1000 } }] })[0]).toMatch(/^403\.0\.response\.status_code: must be 0/);
    expect(issues({ "500": [{ match: { message_pattern: "(" }, response: {} }] })[0]).toMatch(/^500\.0\.match\.message_pattern: /);
    expect(issues({ "500": [{ response: { body: '{"a": "{{.Message | printf}}"}' } }] })[0]).toMatch(
      /^500\.0\.response\.body: not a template this gateway runs: the action/,
    );
    expect(issues({ "500": [{ response: { body: "{{.Other}}" } }] })).toHaveLength(1);
  });

  it("turns down (and reports) a pattern that fails the regex safety check: it never matches, the rule's body field still does", async () => {
    const map = errorOverridesSchema.parse({
      "500": [
        { match: { message_pattern: "Connection.*lost" }, response: { status_code: 501 } },
        { match: { message_pattern: "Connection.*lost", body_field: "a", body_value: "b" }, response: { status_code: 502 } },
      ],
    });
    expect(skippedPatterns(map)).toEqual([
      { path: "500.0.match.message_pattern", problem: expect.stringMatching(/^unsafe regex: /) },
      { path: "500.1.match.message_pattern", problem: expect.stringMatching(/^unsafe regex: /) },
    ]);
    const layers = [compileErrorOverrides(map)!];
    expect(await upstreamRule(layers, 500, body("Connection lost"))).toBeUndefined();
    expect(await statusOf(upstreamRule(layers, 500, body('{"a":"b"}')))).toBe(502);
  });

  it("reads Go's leading inline flags and named groups", () => {
    expect(goRegExp("(?i)page not found").test("<h1>Page Not Found</h1>")).toBe(true);
    expect(goRegExp("^(?P<word>\\w+) found").exec("not found")?.groups?.word).toBe("not");
    expect(() => goRegExp("(?U)a+")).toThrow(/ungreedy/);
  });
});

describe("matching a gateway error", () => {
  const layers = [
    compile({
      "403": [
        { match: { flag: "AKI" }, response: { status_code: 418 } },
        { match: { flag: "QEX", message_pattern: "^Access" }, response: { status_code: 419 } },
      ],
      "4xx": [{ match: { body_field: "a", body_value: "b" }, response: { status_code: 420 } }],
    }),
    compile({ "403": [{ match: { flag: "TKI" }, response: { status_code: 421 } }], "401": [{ response: { status_code: 499 } }] }),
  ];

  it("takes the flag, or else the message pattern; the API's rules before the gateway's", async () => {
    expect(await statusOf(gatewayRule(layers, 403, "AKI", "Access to this API has been disallowed"))).toBe(418);
    expect(await statusOf(gatewayRule(layers, 403, undefined, "Access to this API has been disallowed"))).toBe(419);
    // A rule with only body_field matches every gateway error of its status: Tyk ignores body_field for them.
    expect(await statusOf(gatewayRule(layers, 403, "TKI", "Key not authorized"))).toBe(420);
    expect(await statusOf(gatewayRule([layers[1]!], 403, "TKI", "Key not authorized"))).toBe(421);
    expect(await statusOf(gatewayRule(layers, 401, "AMF", "x"))).toBe(420);
    expect(await statusOf(gatewayRule([layers[1]!], 401, "AMF", "x"))).toBe(499);
    expect(await gatewayRule([layers[1]!], 403, "QEX", "Quota exceeded")).toBeUndefined();
  });

  it("tries the exact status before its class", async () => {
    const both = [compile({ "5xx": [{ response: { status_code: 501 } }], "500": [{ response: { status_code: 502 } }] })];
    expect(await statusOf(gatewayRule(both, 500, undefined, ""))).toBe(502);
    expect(await statusOf(gatewayRule(both, 503, undefined, ""))).toBe(501);
  });
});

describe("matching an upstream answer", () => {
  const layers = [
    compile({
      "5xx": [{ match: { flag: "URS" }, response: { status_code: 503 } }],
      "404": [
        { match: { flag: "AKI" }, response: { status_code: 401 } },
        { match: { body_field: "error.code", body_value: "GONE" }, response: { status_code: 410 } },
        { match: { body_field: "error.code" }, response: { status_code: 411 } },
        { match: { message_pattern: "(?i)not found" }, response: { status_code: 412 } },
      ],
    }),
  ];

  it("URS takes any 5xx; other flags are for gateway errors only", async () => {
    expect(await statusOf(upstreamRule(layers, 502, body("")))).toBe(503);
    expect(await statusOf(upstreamRule(layers, 404, body('{"error":{"code":"GONE"}}')))).toBe(410);
  });

  it("a body_field without body_value is no criterion at all; the pattern runs on the body", async () => {
    expect(await statusOf(upstreamRule(layers, 404, body("<h1>Not Found</h1>")))).toBe(411);
  });

  it("reads the body only when a rule needs it", async () => {
    let reads = 0;
    const counted = () => {
      reads++;
      return Promise.resolve("");
    };
    expect(await statusOf(upstreamRule(layers, 500, counted))).toBe(503);
    expect(reads).toBe(0);
  });
});

describe("JSON paths (gjson's String())", () => {
  const text = JSON.stringify({ error: { type: "db", code: 1045, ok: true, list: ["a", { b: "c" }], none: null }, "dotted.key": "yes" });

  it("gives strings as they are, numbers, booleans, objects and arrays as JSON; null and missing as nothing", () => {
    expect(jsonPathValue(text, "error.type")).toBe("db");
    expect(jsonPathValue(text, "error.code")).toBe("1045");
    expect(jsonPathValue(text, "error.ok")).toBe("true");
    expect(jsonPathValue(text, "error.list.1.b")).toBe("c");
    expect(jsonPathValue(text, "error.list")).toBe('["a",{"b":"c"}]');
    expect(jsonPathValue(text, "dotted\\.key")).toBe("yes");
    expect(jsonPathValue(text, "error.none")).toBeUndefined();
    expect(jsonPathValue(text, "error.missing")).toBeUndefined();
    expect(jsonPathValue(`${text.slice(0, 20)}`, "error.type")).toBeUndefined();
  });
});

describe("body templates", () => {
  it("is a template only with '{{.', as Tyk decides", () => {
    expect(parseBodyTemplate('{"a": "{{ .Message }}"}')).toBeNull();
    expect(renderBodyTemplate(parseBodyTemplate('{"code": {{.StatusCode}}, "m": "{{ .Message }}"}')!, { StatusCode: "501", Message: "x" }, "")).toBe(
      '{"code": 501, "m": "x"}',
    );
  });

  it("honours Go's trim markers", () => {
    expect(renderBodyTemplate(parseBodyTemplate("a  {{- .Message -}}  b {{.StatusCode}}")!, { Message: "M", StatusCode: "1" }, "")).toBe("aMb 1");
  });

  it("writes a missing value as Go does, or fails when the data has no such field", () => {
    const template = parseBodyTemplate("[{{.InvalidParams}}]")!;
    expect(renderBodyTemplate(template, {}, "<no value>")).toBe("[<no value>]");
    expect(renderBodyTemplate(template, {}, null)).toBeNull();
  });

  it("escapes like Go's JSEscapeString and html.EscapeString", () => {
    expect(goJsEscape(`a"b'c\\d<e>f&g=h\ni\u0001é`)).toBe("a\\\"b\\'c\\\\d\\u003Ce\\u003Ef\\u0026g\\u003Dh\\u000Ai\\u0001é");
    expect(htmlEscape(`<a href="x">'&'</a>`)).toBe("&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });

  it("escapes what Go's unicode.IsPrint calls unprintable, and nothing else", () => {
    // DEL is below utf8.RuneSelf and not special to Go, so it stays; NBSP, C1 controls, zero-width space and the line separator are not printable.
    expect(goJsEscape("\u007f|\u00a0|\u0085|\u200b|\u2028|€|😀| ")).toBe("\u007f|\\u00A0|\\u0085|\\u200B|\\u2028|€|😀| ");
  });
});

describe("flags of the gateway's errors", () => {
  const flag = (error: TykError) => responseFlagOf(error);

  it("follow from Tyk's messages, or from the flag a step set", () => {
    expect(flag(new TykError(401, messages.authFieldMissing))).toBe("AMF");
    expect(flag(new TykError(403, messages.keyNotFound))).toBeUndefined();
    expect(flag(new TykError(403, messages.keyNotFound, {}, "AKI"))).toBe("AKI");
    expect(flag(new TykError(403, messages.keyNotFound, {}, "AKI").withHeaders({ a: "b" }))).toBe("AKI");
    expect(flag(new TykError(401, messages.jwtClaims(messages.jwtExpired)))).toBe("TKE");
    expect(flag(new TykError(401, messages.jwtClaims(messages.jwtNotValidYet)))).toBe("TCV");
    expect(flag(new TykError(403, messages.jwtUnexpectedAlgorithm))).toBe("TKI");
    expect(flag(new TykError(429, messages.rateLimited))).toBe("RLT");
    expect(flag(new TykError(403, messages.quotaExceeded))).toBe("QEX");
    expect(flag(new TykError(400, messages.jsonParseError("bad")))).toBe("BIV");
    expect(flag(new TykError(403, messages.ipDisallowed))).toBeUndefined();
  });

  it("of a failed upstream exchange: timeout URT, lookup DNS, a lost connection UCF, anything else UPE", () => {
    expect(flag(upstreamFailure(new Error("x"), true))).toBe("URT");
    expect(flag(upstreamFailure(new Error("DNS lookup failed"), false))).toBe("DNS");
    expect(flag(upstreamFailure(new Error("Network connection lost."), false))).toBe("UCF");
    expect(flag(upstreamFailure(new Error("internal error; reference = 1"), false))).toBe("UPE");
  });

  it("give a body check's finding to templates as InvalidParams", () => {
    expect(templateDataOf(new TykError(400, messages.jsonParseError("unexpected end")), "BIV")).toEqual({ InvalidParams: "unexpected end" });
    expect(templateDataOf(new TykError(422, "name is required", {}, "BIV"), "BIV")).toEqual({ InvalidParams: "name is required" });
    expect(templateDataOf(new TykError(400, messages.basicBodyMissing("username")), "BIV")).toEqual({});
  });
});

describe("TYK_GW_ERROROVERRIDES", () => {
  const base = { TYK_GW_SECRET: "s" };

  it("is tyk.conf's error_overrides as JSON, compiled once; unset is none", () => {
    expect(parseGatewayConfig(base).errorOverrides).toBeNull();
    const config = parseGatewayConfig({
      ...base,
      TYK_GW_ERROROVERRIDES: JSON.stringify({ "429": [{ match: { flag: "RLT" }, response: { status_code: 503 } }] }),
    });
    expect(config.errorOverrides?.exact.get(429)?.[0]?.status).toBe(503);
  });

  it("refuses what is not JSON or not rules, naming the variable", () => {
    expect(() => parseGatewayConfig({ ...base, TYK_GW_ERROROVERRIDES: "{" })).toThrow(/TYK_GW_ERROROVERRIDES.*not JSON/);
    expect(() => parseGatewayConfig({ ...base, TYK_GW_ERROROVERRIDES: '{"4x4": []}' })).toThrow(/TYK_GW_ERROROVERRIDES/);
    const unsafe = JSON.stringify({ "500": [{ match: { message_pattern: "a.*b.*c" }, response: {} }] });
    expect(() => parseGatewayConfig({ ...base, TYK_GW_ERROROVERRIDES: unsafe })).toThrow(/TYK_GW_ERROROVERRIDES.*unsafe regex/);
  });
});
