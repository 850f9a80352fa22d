import { createExecutionContext, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { rateLimits } from "../../src/features/rate-limits";
import { sizeLimits } from "../../src/features/size-limits";
import { maxValidatedBodyBytes, validateJson } from "../../src/features/validate-json";
import { versionCheck } from "../../src/features/version-check";
import { createGateway } from "../../src/gateway";
import { pipeline } from "../../src/pipeline";
import { echoOf, keylessApi, loadApis, tykError } from "../support/gateway";

type Send = (path: string, init?: RequestInit) => Promise<Response>;

/** The gateway with the JSON validation step where Tyk runs it (after the API rate limit), and the size limit step before it. */
function validatingGateway(): Send {
  let chain = pipeline;
  if (!chain.includes(sizeLimits)) chain = [...chain.slice(0, chain.indexOf(versionCheck) + 1), sizeLimits, ...chain.slice(chain.indexOf(versionCheck) + 1)];
  if (!chain.includes(validateJson)) chain = [...chain.slice(0, chain.indexOf(rateLimits) + 1), validateJson, ...chain.slice(chain.indexOf(rateLimits) + 1)];
  const bindings = { ...env };
  const gateway = createGateway(bindings, chain);
  const app = createApp(() => gateway);
  return async (path, init) => app.request(`http://gateway.test${path}`, init, bindings, createExecutionContext());
}

// Tyk's own test schema (gateway/mw_validate_json_test.go).
const person = {
  title: "Person",
  type: "object",
  properties: {
    firstName: { type: "string" },
    lastName: { type: "string" },
    age: { description: "Age in years", type: "integer", minimum: 0 },
    objs: { enum: ["a", "b", "c"], type: "string" },
  },
  required: ["firstName", "lastName"],
};

const api = (validate_json: unknown[], apiId = "validate", version: Record<string, unknown> = {}) =>
  keylessApi({
    api_id: apiId,
    proxy: { listen_path: `/${apiId}/` },
    version_data: { not_versioned: true, versions: { Default: { name: "Default", ...version, extended_paths: { validate_json } } } },
  });

/** A JSON request; a string body states its length, as an HTTP client would. */
const post = (body: string | ReadableStream<Uint8Array> | null, method = "POST"): RequestInit => {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (typeof body === "string") headers["content-length"] = String(new TextEncoder().encode(body).byteLength);
  return { method, body, headers };
};

async function refusal(response: Response): Promise<{ status: number; error: string }> {
  return { status: response.status, error: await tykError(response) };
}

describe("JSON schema validation (Tyk's ValidateJSON)", () => {
  let send: Send;

  beforeAll(async () => {
    await loadApis(
      api([
        { path: "/person", method: "POST", schema: person },
        { path: "/custom", method: "POST", schema: person, error_response_code: 400 },
        { path: "/off", method: "POST", schema: person, disabled: true },
      ]),
      api([{ path: "/person", method: "POST", schema: person }], "limited", { global_size_limit: 64 }),
    );
    send = validatingGateway();
  });

  it("passes a valid body to the upstream byte for byte", async () => {
    const body = '{ "firstName": "Harry",\n  "lastName":"Potter", "age": 23, "note": "ünïcødé \\u00e9" }';
    const echo = await echoOf(await send("/validate/person", post(body)));
    expect(echo.body).toBe(body);
    expect(echo.headers["content-length"]).toBe(String(new TextEncoder().encode(body).byteLength));
  });

  it("answers 422 naming each missing required field", async () => {
    expect(await refusal(await send("/validate/person", post('{"age":23}')))).toEqual({
      status: 422,
      error: "(root): firstName is required; (root): lastName is required",
    });
  });

  it("answers 422 with gojsonschema's type and enum wording", async () => {
    expect(await refusal(await send("/validate/person", post("[]")))).toEqual({ status: 422, error: "(root): Invalid type. Expected: object, given: array" });
    const enumBody = '{"age":23, "firstName": "Harry", "lastName": "Potter", "objs": "d"}';
    expect(await refusal(await send("/validate/person", post(enumBody)))).toEqual({
      status: 422,
      error: 'objs: objs must be one of the following: "a", "b", "c"',
    });
    const typed = '{"firstName": "Harry", "lastName": "Potter", "age": "old"}';
    expect(await refusal(await send("/validate/person", post(typed)))).toEqual({ status: 422, error: "age: Invalid type. Expected: integer, given: string" });
    const negative = '{"firstName": "Harry", "lastName": "Potter", "age": -1}';
    expect(await refusal(await send("/validate/person", post(negative)))).toEqual({ status: 422, error: "age: Must be greater than or equal to 0" });
  });

  it("answers 400 JSON parsing error with Go's reason to a body that is not JSON", async () => {
    expect(await refusal(await send("/validate/person", post("not_json")))).toEqual({
      status: 400,
      error: "JSON parsing error: invalid character 'o' in literal null (expecting 'u')",
    });
    expect(await refusal(await send("/validate/person", post('{"firstName": "Harry"')))).toEqual({ status: 400, error: "JSON parsing error: unexpected EOF" });
    expect(await refusal(await send("/validate/person", post(null)))).toEqual({ status: 400, error: "JSON parsing error: EOF" });
  });

  it("answers with error_response_code when the entry sets one", async () => {
    expect(await refusal(await send("/validate/custom", post('{"age":23}')))).toEqual({
      status: 400,
      error: "(root): firstName is required; (root): lastName is required",
    });
  });

  it("does not validate another method, another path or a disabled entry", async () => {
    expect((await echoOf(await send("/validate/person", post("{not json", "PUT")))).body).toBe("{not json");
    expect((await echoOf(await send("/validate/other", post("{not json")))).body).toBe("{not json");
    expect((await echoOf(await send("/validate/off", post('{"age":23}')))).body).toBe('{"age":23}');
  });

  it(`refuses a body over ${maxValidatedBodyBytes} bytes with 400 Request is too large, declared or streamed`, async () => {
    const big = `{"firstName": "${"x".repeat(maxValidatedBodyBytes)}", "lastName": "P"}`;
    expect(await refusal(await send("/validate/person", post(big)))).toEqual({ status: 400, error: "Request is too large" });

    let pulled = 0;
    const chunks = 2 * (maxValidatedBodyBytes / 1024);
    const streamed = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled === chunks) return controller.close();
        pulled += 1;
        controller.enqueue(new Uint8Array(1024).fill(32));
      },
    });
    const response = await send("/validate/person", { ...post(streamed), duplex: "half" } as RequestInit);
    expect(await refusal(response)).toEqual({ status: 400, error: "Request is too large" });
    expect(pulled).toBeLessThan(chunks);
  });

  it("validates a streamed (chunked) body and still sends it upstream whole", async () => {
    const body = '{"firstName": "Harry", "lastName": "Potter"}';
    const bytes = new TextEncoder().encode(body);
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 10));
        controller.enqueue(bytes.slice(10));
        controller.close();
      },
    });
    expect((await echoOf(await send("/validate/person", { ...post(streamed), duplex: "half" } as RequestInit))).body).toBe(body);
  });

  it("reads a body the size limit counts: within the limit it is validated and sent on with its length", async () => {
    const body = '{"firstName": "Harry", "lastName": "Potter"}';
    const echo = await echoOf(await send("/limited/person", post(body)));
    expect(echo.body).toBe(body);
    expect(echo.headers["content-length"]).toBe(String(body.length));
    expect(await refusal(await send("/limited/person", post('{"age":1}')))).toMatchObject({ status: 422 });
  });

  it("answers 400 Request is too large, not 500, when a counted body runs past its declared length", async () => {
    let pulled = 0;
    const streamed = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled === 64) return controller.close();
        pulled += 1;
        controller.enqueue(new Uint8Array(1024).fill(32));
      },
    });
    const init = { method: "POST", body: streamed, headers: { "content-length": "16" }, duplex: "half" } as RequestInit;
    expect(await refusal(await send("/limited/person", init))).toEqual({ status: 400, error: "Request is too large" });
    expect(pulled).toBeLessThan(8);
  });

  it("refuses a definition whose schema cannot be used, naming the field", () => {
    const issues = validateJson.validate(api([{ path: "/p", method: "POST", schema: { $ref: "#/definitions/missing" } }]));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path.join(".")).toBe("version_data.versions.Default.extended_paths.validate_json.0.schema");
    expect(issues[0]?.message).toContain('$ref "#/definitions/missing"');
    const noSchema = validateJson.validate(api([{ path: "/p", method: "POST" }]));
    expect(noSchema[0]?.path.join(".")).toBe("version_data.versions.Default.extended_paths.validate_json.0.schema");
    const badCode = validateJson.validate(api([{ path: "/p", method: "POST", schema: person, error_response_code: 99 }]));
    expect(badCode[0]?.path.join(".")).toBe("version_data.versions.Default.extended_paths.validate_json.0.error_response_code");
    expect(validateJson.validate(api([{ path: "/p", method: "POST", disabled: true }]))).toEqual([]);
  });

  it("leaves the definition's schema object untouched", () => {
    const schema = { $ref: "#/definitions/a", definitions: { a: { type: "object" } } };
    const build = validateJson.build(api([{ path: "/p", method: "POST", schema }]), {} as never, {} as never);
    expect(build.ok).toBe(true);
    // dereference marks the schemas it reads with hidden properties; those go on a copy.
    expect(Object.getOwnPropertyNames(schema)).toEqual(["$ref", "definitions"]);
    expect(Object.getOwnPropertyNames(schema.definitions.a)).toEqual(["type"]);
  });
});
