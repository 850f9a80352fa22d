import { beforeAll, describe, expect, it } from "vitest";
import pets from "../fixtures/oas/pets-validate.json";
import { echoOf, gateway, keylessApi, reload, store, tykError, upstreamUrl } from "../support/gateway";

/*
 * Mock responses: entries written by hand on classic definitions (the upstream
 * is never called: an echo would carry x-upstream), and Tyk OAS mockResponse
 * with fromOASExamples through a stored document, examples picked by Tyk's
 * request headers.
 */

const mocks = [
  { path: "/status", method: "GET", code: 418, body: '{"teapot":true}', headers: { "Content-Type": "application/json", "X-Mock": "1" } },
  { path: "/plain", method: "GET", body: "hello" },
  { path: "/empty", method: "DELETE", code: 204 },
  { path: "/off", method: "GET", disabled: true, code: 500 },
];

const version = { name: "Default", extended_paths: { mock_response: mocks } };

async function storeApis(...definitions: [string, Record<string, unknown>][]): Promise<void> {
  const kv = store();
  for (const id of await kv.listIds("apis")) await kv.delete("apis", id);
  for (const [id, definition] of definitions) await kv.put("apis", id, definition);
  await reload();
}

const oasDocument = () => {
  const document = structuredClone(pets) as Record<string, unknown> & { "x-tyk-api-gateway": { upstream: { url: string } } };
  document["x-tyk-api-gateway"].upstream.url = upstreamUrl();
  return document;
};

describe("mock_response entries on a classic definition", () => {
  beforeAll(() =>
    storeApis(
      [
        "mock-classic",
        keylessApi({ api_id: "mock-classic", proxy: { listen_path: "/mock/" }, version_data: { not_versioned: true, versions: { Default: version } } }),
      ],
      [
        "mock-keyed",
        keylessApi({
          api_id: "mock-keyed",
          use_keyless: false,
          use_standard_auth: true,
          auth: { auth_header_name: "Authorization" },
          proxy: { listen_path: "/mock-keyed/" },
          version_data: { not_versioned: true, versions: { Default: version } },
        }),
      ],
    ),
  );

  it("answers with the entry's code, body and headers without calling the upstream", async () => {
    const response = await gateway("/mock/status");
    expect(response.status).toBe(418);
    expect(response.headers.get("x-upstream")).toBeNull();
    expect(response.headers.get("x-mock")).toBe("1");
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.text()).toBe('{"teapot":true}');
  });

  it("defaults to 200, sniffs a text type like Go, and sends no body on 204", async () => {
    const plain = await gateway("/mock/plain");
    expect([plain.status, plain.headers.get("content-type"), await plain.text()]).toEqual([200, "text/plain; charset=utf-8", "hello"]);
    const empty = await gateway("/mock/empty", { method: "DELETE" });
    expect([empty.status, await empty.text()]).toEqual([204, ""]);
  });

  it("proxies other methods, other paths and disabled entries", async () => {
    expect((await echoOf(await gateway("/mock/status", { method: "POST" }))).path).toBe("/status");
    expect((await echoOf(await gateway("/mock/status/more"))).path).toBe("/status/more");
    expect((await echoOf(await gateway("/mock/off"))).path).toBe("/off");
  });

  it("runs after authentication, as in Tyk: a keyed API still needs a key", async () => {
    const response = await gateway("/mock-keyed/status");
    expect([response.status, await tykError(response)]).toEqual([401, "Authorization field missing"]);
  });
});

describe("mockResponse from a stored Tyk OAS document", () => {
  beforeAll(() => storeApis(["oas-pets-validate", oasDocument()]));

  it("answers a configured mock (code, body, headers)", async () => {
    const response = await gateway("/pets-validate/pets/mine");
    expect(response.status).toBe(203);
    expect(response.headers.get("x-mocked")).toBe("yes");
    expect(response.headers.get("x-upstream")).toBeNull();
    expect(await response.json()).toEqual({ mine: true });
  });

  it("answers the documented example for 200 and application/json by default, with the documented headers", async () => {
    const response = await gateway("/pets-validate/pets/3");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("x-pet-source")).toBe("fixture");
    expect(await response.json()).toEqual({ id: 1, name: "Rex" });
  });

  it("picks the media type from Accept and the named example from X-Tyk-Accept-Example-Name (else the first by name)", async () => {
    const first = await gateway("/pets-validate/pets/3", { headers: { accept: "text/plain" } });
    expect([first.headers.get("content-type"), await first.text()]).toEqual(["text/plain", '"Rex the dog"']);
    const named = await gateway("/pets-validate/pets/3", { headers: { accept: "text/plain", "x-tyk-accept-example-name": "short" } });
    expect(await named.text()).toBe('"Rex"');
    const unknown = await gateway("/pets-validate/pets/3", { headers: { accept: "text/plain", "x-tyk-accept-example-name": "nope" } });
    expect([unknown.status, await tykError(unknown)]).toEqual([500, "failed to mock response: mock: there is no example response for the example name: nope"]);
  });

  it("picks the status from X-Tyk-Accept-Example-Code, building an example from the schema when none is written", async () => {
    const response = await gateway("/pets-validate/pets/3", { headers: { "x-tyk-accept-example-code": "404" } });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ status: 0, title: "Not Found" });
  });

  it("answers Tyk's errors for an undocumented code, an invalid code and an undocumented media type", async () => {
    const undocumented = await gateway("/pets-validate/pets/3", { headers: { "x-tyk-accept-example-code": "500" } });
    expect([undocumented.status, await tykError(undocumented)]).toEqual([500, "failed to mock response: mock: there is no example response for the code: 500"]);
    const invalid = await gateway("/pets-validate/pets/3", { headers: { "x-tyk-accept-example-code": "abc" } });
    expect([invalid.status, await tykError(invalid)]).toEqual([500, "failed to mock response: mock: given code abc is not a valid integer value"]);
    const xml = await gateway("/pets-validate/pets/3", { headers: { accept: "application/xml" } });
    expect([xml.status, await tykError(xml)]).toEqual([
      500,
      "failed to mock response: mock: there is no example response for the content type: application/xml",
    ]);
  });

  it("validates before mocking, as Tyk's chain does", async () => {
    const response = await gateway("/pets-validate/pets/rex");
    expect(response.status).toBe(422);
  });

  it("proxies operations without a mock", async () => {
    expect((await echoOf(await gateway("/pets-validate/pets/3/photo"))).path).toBe("/pets/3/photo");
  });
});
