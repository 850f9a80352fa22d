import { beforeAll, describe, expect, it } from "vitest";
import signup from "../fixtures/oas/signup-form.json";
import { echoOf, gateway, reload, store, tykError, upstreamUrl } from "../support/gateway";

/*
 * validateRequest on `application/x-www-form-urlencoded` bodies, as Tyk
 * (kin-openapi) checks them: the form becomes an object of the schema's
 * properties, each coerced by its type and `encoding` (style form, exploded
 * unless it says otherwise), and that object is checked against the schema.
 * Multipart bodies are passed on unchecked.
 */

const form = (body: string, type = "application/x-www-form-urlencoded") => ({ method: "POST", headers: { "content-type": type }, body });

async function answer(body: string, type?: string): Promise<[number, string]> {
  const response = await gateway("/signup-api/signup", form(body, type));
  if (response.status === 200) return [200, (await echoOf(response)).body];
  return [response.status, await tykError(response)];
}

describe("Tyk OAS validateRequest with form bodies (test/fixtures/oas/signup-form.json)", () => {
  beforeAll(async () => {
    const document = structuredClone(signup) as Record<string, unknown> & typeof signup;
    document["x-tyk-api-gateway"].upstream.url = upstreamUrl();
    const kv = store();
    for (const id of await kv.listIds("apis")) await kv.delete("apis", id);
    await kv.put("apis", "oas-signup", document);
    await reload();
  });

  it("passes a form that matches the schema on unchanged, fields outside the schema included", async () => {
    const body = "name=Ann&age=30&newsletter=true&tags=a&tags=b&codes=1,2&other=x";
    expect(await answer(body)).toEqual([200, body]);
  });

  it("refuses a field that does not decode as its type, with kin-openapi's words", async () => {
    expect(await answer("name=Ann&age=old")).toEqual([
      400,
      "request validation error: request body has an error: failed to decode request body: value old: an invalid integer: invalid syntax",
    ]);
    expect(await answer("name=Ann&age=30&codes=1,x")).toEqual([
      400,
      "request validation error: request body has an error: failed to decode request body: path 1: value x: an invalid integer: invalid syntax",
    ]);
  });

  it("checks the decoded object against the schema", async () => {
    expect(await answer("name=Ann&age=12")).toEqual([
      400,
      'request validation error: request body has an error: doesn\'t match schema #/components/schemas/Signup: Error at "/age": number must be at least 18',
    ]);
    expect(await answer("age=30")).toEqual([
      400,
      'request validation error: request body has an error: doesn\'t match schema #/components/schemas/Signup: Error at "/name": property "name" is missing',
    ]);
    expect(await answer("name=Ann&age=30&tags=a&tags=b&tags=c")).toEqual([
      400,
      'request validation error: request body has an error: doesn\'t match schema #/components/schemas/Signup: Error at "/tags": maximum number of items is 2',
    ]);
  });

  it("leaves a multipart body unchecked", async () => {
    const body = '--b\r\nContent-Disposition: form-data; name="age"\r\n\r\nold\r\n--b--\r\n';
    expect(await answer(body, "multipart/form-data; boundary=b")).toEqual([200, body]);
  });
});
