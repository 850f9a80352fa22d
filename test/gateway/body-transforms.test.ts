import { createExecutionContext, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { createGateway } from "../../src/gateway";
import { pipeline } from "../../src/pipeline";
import { admin } from "../support/admin";
import { echoOf, gateway, keylessApi, loadApis, tykError } from "../support/gateway";
import { accessTo, createKey } from "../support/keys";

/*
 * Tyk's body transforms through the real Worker and the loopback echo
 * upstream: `extended_paths.transform` rewrites what the upstream receives,
 * `transform_response` what the client receives, both with Go templates.
 */

const base64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

interface Entry {
  path?: string;
  method?: string;
  template: string;
  input?: "json" | "xml" | "";
  session?: boolean;
  mode?: string;
}

const entry = ({ path = "/t", method = "POST", template, input = "json", session = false, mode = "blob" }: Entry) => ({
  path,
  method,
  template_data: { input_type: input, template_mode: mode, enable_session: session, template_source: base64(template) },
});

function transformingApi(apiId: string, extendedPaths: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return keylessApi({
    api_id: apiId,
    name: apiId,
    proxy: { listen_path: `/${apiId}/` },
    version_data: { not_versioned: true, versions: { Default: { name: "Default", use_extended_paths: true, extended_paths: extendedPaths } } },
    ...extra,
  });
}

const post = (body: string, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  body,
  headers: { "content-type": "application/json", "content-length": String(new TextEncoder().encode(body).byteLength), ...headers },
});

const order = `{{with .order}}{"id": {{jsonMarshal .id}}, "items": [{{range $i, $item := .items}}{{if $i}},{{end}}"{{$item.name}} x{{$item.qty}}"{{end}}], "note": "{{.note}}"}{{end}}`;

describe("request body transform (extended_paths.transform)", () => {
  beforeAll(async () => {
    await loadApis(
      transformingApi("bt-json", {
        transform: [entry({ path: "/orders", template: order }), entry({ path: "/list", template: "{{range .array}}<{{.}}>{{else}}empty{{end}}" })],
      }),
      transformingApi("bt-xml", {
        transform: [
          entry({ path: "/soap", input: "xml", template: '{{with .Envelope.Body.Order}}{{.Id}}:{{range .Item}}{{.}};{{end}}{{index . "-currency"}}{{end}}' }),
        ],
      }),
      transformingApi(
        "bt-context",
        {
          transform: [
            entry({
              path: "/ctx",
              template: "{{._tyk_context.path}}|{{._tyk_context.headers_X_Caller}}|{{._tyk_context.request_data_q}}|$tyk_context.headers_X_Caller",
            }),
          ],
        },
        { enable_context_vars: true },
      ),
      transformingApi(
        "bt-session",
        { transform: [entry({ path: "/me", session: true, template: "{{._tyk_meta.tier}}/{{._tyk_meta.user.name}}/{{.x}}" })] },
        {
          use_keyless: false,
          use_standard_auth: true,
        },
      ),
    );
  });

  it("renders a JSON body through the template and sends the result upstream with its length", async () => {
    const body = JSON.stringify({
      order: {
        id: 7,
        items: [
          { name: "tea", qty: 2 },
          { name: "cake", qty: 1.5 },
        ],
      },
    });
    const echo = await echoOf(await gateway("/bt-json/orders", post(body)));
    const expected = '{"id": 7, "items": ["tea x2","cake x1.5"], "note": "<no value>"}';
    expect(echo.body).toBe(expected);
    expect(echo.headers["content-length"]).toBe(String(expected.length));
  });

  it("gives a JSON list to the template as .array, and runs range's else for an empty one", async () => {
    expect((await echoOf(await gateway("/bt-json/list", post('[1, "two", {"a": 3}]')))).body).toBe("<1><two><map[a:3]>");
    expect((await echoOf(await gateway("/bt-json/list", post("[]")))).body).toBe("empty");
  });

  it("leaves other paths and methods alone", async () => {
    expect((await echoOf(await gateway("/bt-json/other", post('{"a":1}')))).body).toBe('{"a":1}');
    expect((await echoOf(await gateway("/bt-json/orders", { ...post('{"a":1}'), method: "PUT" }))).body).toBe('{"a":1}');
  });

  it("passes a body that is not JSON on as it came, as Tyk does (it only logs the failure)", async () => {
    const echo = await echoOf(await gateway("/bt-json/orders", post("not json")));
    expect(echo.body).toBe("not json");
  });

  it("refuses a body over the limit with Tyk's 400, declared or streamed", async () => {
    const big = `{"a":"${"x".repeat(1024 * 1024)}"}`;
    const declared = await gateway("/bt-json/orders", post(big));
    expect(declared.status).toBe(400);
    expect(await tykError(declared)).toBe("Request is too large");
    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 64 * 1024) controller.enqueue(bytes.slice(at, at + 64 * 1024));
        controller.close();
      },
    });
    const streamed = await gateway("/bt-json/orders", { method: "POST", body: stream, headers: { "content-type": "application/json" } });
    expect(streamed.status).toBe(400);
    expect(await tykError(streamed)).toBe("Request is too large");
  });

  it("takes its limit from PORTCULLIS_TRANSFORM_MAX_BYTES", async () => {
    const bindings = { ...env, PORTCULLIS_TRANSFORM_MAX_BYTES: "64" };
    const app = createApp(() => createGateway(bindings, pipeline));
    const send = (body: string) => app.request("http://gateway.test/bt-json/orders", post(body), bindings, createExecutionContext());
    const within = await send(`{"order": {"id": "${"x".repeat(40)}"}}`);
    expect(within.status).toBe(200);
    const over = await send(`{"order": {"id": "${"x".repeat(60)}"}}`);
    expect(over.status).toBe(400);
    expect(await tykError(over)).toBe("Request is too large");
  });

  it("reads an XML body in mxj's shape: attributes as -name, repeated elements as lists", async () => {
    const xml =
      '<?xml version="1.0"?><s:Envelope xmlns:s="urn:s"><s:Body><Order currency="EUR"><Id>42</Id><Item>a</Item><Item>b</Item></Order></s:Body></s:Envelope>';
    const echo = await echoOf(await gateway("/bt-xml/soap", { method: "POST", body: xml, headers: { "content-type": "application/xml" } }));
    expect(echo.body).toBe("42:a;b;EUR");
  });

  it("passes an XML body with a DTD on untransformed (no entity is ever expanded)", async () => {
    const xml = '<!DOCTYPE x [<!ENTITY e "boom">]><Envelope>&e;</Envelope>';
    const echo = await echoOf(await gateway("/bt-xml/soap", { method: "POST", body: xml, headers: { "content-type": "application/xml" } }));
    expect(echo.body).toBe(xml);
  });

  it("exposes context variables as ._tyk_context and expands $tyk_context in the result", async () => {
    const echo = await echoOf(await gateway("/bt-context/ctx?q=search%20term", post("{}", { "x-caller": "a b" })));
    expect(echo.body).toBe("/bt-context/ctx|a b|search term|a+b");
  });

  it("exposes the session's meta data as ._tyk_meta with enable_session", async () => {
    const key = await createKey({ ...accessTo("bt-session"), meta_data: { tier: "gold", user: { name: "ann" } } });
    const echo = await echoOf(await gateway("/bt-session/me", post('{"x": true}', { authorization: key })));
    expect(echo.body).toBe("gold/ann/true");
  });
});

describe("templates outside the supported subset are refused at load", () => {
  it.each([
    ['{{define "x"}}{{end}}', "{{define}}"],
    ['{{template "x"}}', "{{template}}"],
    ["{{upper .name}}", 'the Sprig function "upper"'],
    ["{{.a", "unclosed action"],
  ])("POST /tyk/apis refuses %s with a 400 naming the field and the construct", async (template, construct) => {
    const reply = await admin("POST", "/apis", transformingApi("bt-refused", { transform: [entry({ template })] }));
    expect(reply.status).toBe(400);
    const message = (reply.body as { message: string }).message;
    expect(message).toContain("extended_paths.transform.0.template_data.template_source");
    expect(message).toContain(construct);
  });

  it("refuses template_mode file (Workers have no file system) and a source that is not base64", async () => {
    const file = await admin("POST", "/apis", transformingApi("bt-file", { transform_response: [entry({ template: "x", mode: "file" })] }));
    expect(file.status).toBe(400);
    expect((file.body as { message: string }).message).toContain("transform_response.0.template_data.template_mode: file templates cannot be read");
    const notBase64 = transformingApi("bt-b64", {
      transform: [{ ...entry({ template: "x" }), template_data: { input_type: "json", template_mode: "blob", template_source: "%%%" } }],
    });
    expect((await admin("POST", "/apis", notBase64)).status).toBe(400);
  });

  it("does not serve a stored definition with a refused template, and serves its neighbours", async () => {
    await loadApis(transformingApi("bt-stored", { transform: [entry({ template: "{{call .f}}" })] }), transformingApi("bt-neighbour", {}));
    expect((await gateway("/bt-stored/t", post("{}"))).status).toBe(404);
    expect((await gateway("/bt-neighbour/t", post("{}"))).status).toBe(200);
  });
});

describe("response body transform (extended_paths.transform_response)", () => {
  beforeAll(async () => {
    await loadApis(
      transformingApi(
        "rt",
        {
          transform_response: [
            entry({ path: "/echo", method: "GET", template: '{"seen": "{{.method}} {{.path}}", "agent": {{jsonMarshal .headers.missing}}}' }),
            entry({ path: "/status/{code}", method: "GET", template: "status page: {{.path}}" }),
            entry({ path: "/bytes/{n}", method: "GET", template: "never" }),
            entry({ path: "/ctx", method: "GET", template: "{{._tyk_context.headers_X_Caller}}" }),
          ],
        },
        // No response_processors entry: Tyk 5 runs the transform for any enabled entry.
        { enable_context_vars: true },
      ),
    );
  });

  it("renders the upstream's JSON answer and replaces the body and its Content-Length", async () => {
    const response = await gateway("/rt/echo");
    const expected = '{"seen": "GET /echo", "agent": null}';
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(expected);
    expect(response.headers.get("content-length")).toBe(String(expected.length));
    expect(response.headers.get("x-upstream")).toBe("echo");
  });

  it("keeps the upstream's status", async () => {
    const response = await gateway("/rt/status/404");
    expect(response.status).toBe(404);
    expect(await response.text()).toBe("status page: /status/404");
  });

  it("leaves an answer that may not have a body (204) as it is", async () => {
    const response = await gateway("/rt/status/204");
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
  });

  it("gives the template the context variables", async () => {
    expect(await (await gateway("/rt/ctx", { headers: { "x-caller": "zed" } })).text()).toBe("zed");
  });

  it("answers 502 for an upstream answer over the limit instead of buffering it", async () => {
    const response = await gateway(`/rt/bytes/${1024 * 1024 + 1}`);
    expect(response.status).toBe(502);
    expect(await tykError(response)).toBe("There was a problem proxying the request");
  });

  it("accepts the old response_body_transform processor entry without a warning", async () => {
    const withProcessor = await admin(
      "POST",
      "/apis",
      transformingApi("rt-proc", { transform_response: [entry({ template: "x" })] }, { response_processors: [{ name: "response_body_transform" }] }),
    );
    expect(withProcessor.status).toBe(200);
    expect((withProcessor.body as { warnings?: unknown[] }).warnings ?? []).toEqual([]);
    await admin("DELETE", "/apis/rt-proc");
  });
});
