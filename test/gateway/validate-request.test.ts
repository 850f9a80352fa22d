import { beforeAll, describe, expect, it } from "vitest";
import pets from "../fixtures/oas/pets-validate.json";
import { adminHeaders, echoOf, gateway, keylessApi, reload, store, tykError, upstreamUrl } from "../support/gateway";

/*
 * Tyk OAS validateRequest: entries written by hand on a classic definition,
 * the same through a stored Tyk OAS document, and Tyk's petstore imported
 * with validateRequest. Answers and messages follow Tyk (kin-openapi's words
 * after "request validation error: ").
 */

const classicEntries = [
  {
    path: "/orders/{orderId}",
    method: "GET",
    enabled: true,
    parameters: [
      { name: "orderId", in: "path", required: true, schema: { type: "integer", minimum: 1 } },
      { name: "verbose", in: "query", schema: { type: "boolean" } },
      { name: "ids", in: "query", explode: false, schema: { type: "array", items: { type: "integer" }, maxItems: 3 } },
    ],
  },
  {
    path: "/orders",
    method: "POST",
    enabled: true,
    error_response_code: 400,
    parameters: [{ name: "X-Idempotency", in: "header", required: true, schema: { type: "string", pattern: "^[a-f0-9]+$" } }],
    request_body: {
      required: true,
      content: {
        "application/json": {
          schema: {
            type: "object",
            required: ["item"],
            additionalProperties: false,
            properties: { item: { type: "string" }, qty: { type: "integer", maximum: 9 } },
          },
        },
      },
    },
  },
  { path: "/off", method: "GET", enabled: false, parameters: [{ name: "q", in: "query", required: true }] },
];

const classicApi = () =>
  keylessApi({
    api_id: "validate-classic",
    proxy: { listen_path: "/vr/" },
    version_data: { not_versioned: true, versions: { Default: { name: "Default", extended_paths: { validate_request: classicEntries } } } },
  });

const oasDocument = () => {
  const document = structuredClone(pets) as Record<string, unknown> & { "x-tyk-api-gateway": { upstream: { url: string } } };
  document["x-tyk-api-gateway"].upstream.url = upstreamUrl();
  return document;
};

async function storeApis(...definitions: [string, Record<string, unknown>][]): Promise<void> {
  const kv = store();
  for (const id of await kv.listIds("apis")) await kv.delete("apis", id);
  for (const [id, definition] of definitions) await kv.put("apis", id, definition);
  await reload();
}

async function refusal(response: Response): Promise<[number, string]> {
  return [response.status, await tykError(response)];
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  body: typeof body === "string" ? body : JSON.stringify(body),
  headers: { "content-type": "application/json", ...headers },
});

describe("validateRequest on classic entries", () => {
  beforeAll(() => storeApis(["validate-classic", classicApi()]));

  it("lets a valid request through, body unchanged", async () => {
    expect((await echoOf(await gateway("/vr/orders/7?verbose=true&ids=1,2"))).path).toBe("/orders/7?verbose=true&ids=1,2");
    const echo = await echoOf(await gateway("/vr/orders", json({ item: "tea", qty: 2 }, { "x-idempotency": "abc123" })));
    expect(echo.body).toBe('{"item":"tea","qty":2}');
  });

  it("checks path parameters against their type and schema", async () => {
    expect(await refusal(await gateway("/vr/orders/abc"))).toEqual([
      422,
      'request validation error: parameter "orderId" in path has an error: value abc: an invalid integer: invalid syntax',
    ]);
    expect(await refusal(await gateway("/vr/orders/0"))).toEqual([
      422,
      'request validation error: parameter "orderId" in path has an error: number must be at least 1',
    ]);
  });

  it("checks query parameters: booleans and non-exploded arrays", async () => {
    expect(await refusal(await gateway("/vr/orders/7?verbose=maybe"))).toEqual([
      422,
      'request validation error: parameter "verbose" in query has an error: value maybe: an invalid boolean: invalid syntax',
    ]);
    expect(await refusal(await gateway("/vr/orders/7?ids=1,x"))).toEqual([
      422,
      'request validation error: parameter "ids" in query has an error: path 1: value x: an invalid integer: invalid syntax',
    ]);
    expect(await refusal(await gateway("/vr/orders/7?ids=1,2,3,4"))).toEqual([
      422,
      'request validation error: parameter "ids" in query has an error: maximum number of items is 3',
    ]);
    expect(await refusal(await gateway("/vr/orders/7?verbose="))).toEqual([
      422,
      'request validation error: parameter "verbose" in query has an error: empty value is not allowed',
    ]);
  });

  it("checks header parameters and answers the entry's error_response_code", async () => {
    expect(await refusal(await gateway("/vr/orders", json({ item: "tea" })))).toEqual([
      400,
      'request validation error: parameter "X-Idempotency" in header has an error: value is required but missing',
    ]);
    expect(await refusal(await gateway("/vr/orders", json({ item: "tea" }, { "x-idempotency": "XYZ" })))).toEqual([
      400,
      'request validation error: parameter "X-Idempotency" in header has an error: string doesn\'t match the regular expression "^[a-f0-9]+$"',
    ]);
  });

  it("checks the body: presence, content type, JSON syntax and schema", async () => {
    const key = { "x-idempotency": "abc" };
    expect(await refusal(await gateway("/vr/orders", { method: "POST", headers: key }))).toEqual([
      400,
      "request validation error: request body has an error: value is required but missing",
    ]);
    expect(await refusal(await gateway("/vr/orders", { method: "POST", body: "item=tea", headers: { ...key, "content-type": "text/plain" } }))).toEqual([
      400,
      'request validation error: request body has an error: header Content-Type has unexpected value: "text/plain"',
    ]);
    expect(await refusal(await gateway("/vr/orders", json("{", key)))).toEqual([
      400,
      "request validation error: request body has an error: failed to decode request body: unexpected EOF",
    ]);
    expect(await refusal(await gateway("/vr/orders", json({ qty: 1 }, key)))).toEqual([
      400,
      'request validation error: request body has an error: doesn\'t match schema: Error at "/item": property "item" is missing',
    ]);
    expect(await refusal(await gateway("/vr/orders", json({ item: "tea", qty: 10 }, key)))).toEqual([
      400,
      'request validation error: request body has an error: doesn\'t match schema: Error at "/qty": number must be at most 9',
    ]);
    expect(
      await refusal(await gateway("/vr/orders", json({ item: "tea", colour: "green" }, { ...key, "content-type": "application/json; charset=utf-8" }))),
    ).toEqual([400, 'request validation error: request body has an error: doesn\'t match schema: Error at "/colour": property "colour" is unsupported']);
  });

  it("leaves other methods, other paths and disabled entries alone", async () => {
    expect((await echoOf(await gateway("/vr/orders/abc", { method: "DELETE" }))).path).toBe("/orders/abc");
    expect((await echoOf(await gateway("/vr/orders/7/lines"))).path).toBe("/orders/7/lines");
    expect((await echoOf(await gateway("/vr/off"))).path).toBe("/off");
  });

  it("refuses an entry whose path template cannot be matched safely", async () => {
    const bad = keylessApi({
      api_id: "validate-bad",
      proxy: { listen_path: "/vr-bad/" },
      version_data: {
        not_versioned: true,
        versions: { Default: { name: "Default", extended_paths: { validate_request: [{ path: "/x", method: "GET", enabled: true, parameters: "no" }] } } },
      },
    });
    const response = await gateway("/tyk/apis", { method: "POST", headers: adminHeaders, body: JSON.stringify(bad) });
    expect(response.status).toBe(400);
  });
});

describe("validateRequest from a stored Tyk OAS document", () => {
  beforeAll(() => storeApis(["oas-pets-validate", oasDocument()]));

  it("validates query, header and path parameters of the operation", async () => {
    expect(await refusal(await gateway("/pets-validate/pets?limit=5"))).toEqual([
      422,
      'request validation error: parameter "X-Trace" in header has an error: value is required but missing',
    ]);
    expect(await refusal(await gateway("/pets-validate/pets?limit=500", { headers: { "x-trace": "abcd" } }))).toEqual([
      422,
      'request validation error: parameter "limit" in query has an error: number must be at most 100',
    ]);
    expect(await refusal(await gateway("/pets-validate/pets?tags=cat&tags=cow", { headers: { "x-trace": "abcd" } }))).toEqual([
      422,
      'request validation error: parameter "tags" in query has an error: Error at "/1": value is not one of the allowed values ["cat","dog"]',
    ]);
    const echo = await echoOf(await gateway("/pets-validate/pets?limit=5&tags=cat&tags=dog", { headers: { "x-trace": "abcd" } }));
    expect(echo.path).toBe("/pets?limit=5&tags=cat&tags=dog");
  });

  it("validates the $ref'd request body (nullable honoured) with the operation's errorResponseCode", async () => {
    expect((await echoOf(await gateway("/pets-validate/pets", json({ name: "Rex", tag: null })))).body).toBe('{"name":"Rex","tag":null}');
    expect(await refusal(await gateway("/pets-validate/pets", json({ name: "Rex", age: -1 })))).toEqual([
      400,
      'request validation error: request body has an error: doesn\'t match schema #/components/schemas/NewPet: Error at "/age": number must be at least 0',
    ]);
    expect(await refusal(await gateway("/pets-validate/pets", json({ name: 7 })))).toEqual([
      400,
      'request validation error: request body has an error: doesn\'t match schema #/components/schemas/NewPet: Error at "/name": value must be a string',
    ]);
  });

  it("matches concrete paths before templated ones and checks a path-level parameter", async () => {
    expect(await refusal(await gateway("/pets-validate/pets/rex"))).toEqual([
      422,
      'request validation error: parameter "petId" in path has an error: value rex: an invalid integer: invalid syntax',
    ]);
    // /pets/mine is its own operation (mocked, not validated); /pets/{petId}/photo has no validation.
    expect((await gateway("/pets-validate/pets/mine")).status).toBe(203);
    expect((await echoOf(await gateway("/pets-validate/pets/rex/photo"))).path).toBe("/pets/rex/photo");
  });
});

// Tyk's petstore from ../shared/tyk-samples beside the repository, when it is there.
const petstoreFiles = import.meta.glob<string>("../../../shared/tyk-samples/oas/petstore-no-responses.json", { eager: true, query: "?raw", import: "default" });
const petstore = Object.values(petstoreFiles)[0];
if (petstore === undefined) console.info("validate-request: ../shared/tyk-samples/oas not found beside the repository; skipping Tyk's petstore");

describe.skipIf(petstore === undefined)("Tyk's petstore imported with validateRequest and mockResponse", () => {
  beforeAll(async () => {
    await storeApis();
    const query = new URLSearchParams({ upstreamURL: upstreamUrl(), listenPath: "/petstore/", validateRequest: "true", mockResponse: "true" });
    const response = await gateway(`/tyk/apis/oas/import?${query}`, { method: "POST", headers: adminHeaders, body: petstore });
    if (response.status !== 200) throw new Error(`import failed: ${response.status} ${await response.text()}`);
    await reload();
  });

  it("validates the operations' parameters and proxies valid requests (no examples: nothing to mock)", async () => {
    expect(await refusal(await gateway("/petstore/pet/abc"))).toEqual([
      422,
      'request validation error: parameter "petId" in path has an error: value abc: an invalid integer: invalid syntax',
    ]);
    expect(await refusal(await gateway("/petstore/pet/findByStatus?status=lost"))).toEqual([
      422,
      'request validation error: parameter "status" in query has an error: value is not one of the allowed values ["available","pending","sold"]',
    ]);
    expect((await echoOf(await gateway("/petstore/pet/12"))).path).toBe("/pet/12");
    expect((await echoOf(await gateway("/petstore/pet/findByStatus?status=sold"))).path).toBe("/pet/findByStatus?status=sold");
  });

  it("validates a JSON request body against the petstore's schema", async () => {
    const order = await gateway("/petstore/store/order", json({ id: "seven" }));
    expect(await refusal(order)).toEqual([
      422,
      'request validation error: request body has an error: doesn\'t match schema #/components/schemas/Order: Error at "/id": value must be an integer',
    ]);
    expect((await echoOf(await gateway("/petstore/store/order", json({ id: 7, quantity: 1 })))).path).toBe("/store/order");
  });
});
