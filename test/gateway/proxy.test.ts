import { beforeAll, describe, expect, it } from "vitest";
import { echoOf, gateway, keylessApi, loadApis, upstreamUrl } from "../support/gateway";

describe("proxying a keyless API", () => {
  beforeAll(async () => {
    await loadApis(
      keylessApi(),
      keylessApi({ api_id: "nostrip", proxy: { listen_path: "/nostrip/", strip_listen_path: false } }),
      keylessApi({ api_id: "based", proxy: { listen_path: "/based", target_url: `${upstreamUrl()}/base/?fixed=1` } }),
      keylessApi({ api_id: "inactive", active: false, proxy: { listen_path: "/inactive/" } }),
      keylessApi({ api_id: "down", proxy: { listen_path: "/down/", target_url: "http://127.0.0.1:9" } }),
      keylessApi({ api_id: "host", proxy: { listen_path: "/host/", preserve_host_header: true } }),
      keylessApi({
        api_id: "balanced",
        proxy: { listen_path: "/balanced/", enable_load_balancing: true, target_list: [`${upstreamUrl()}/one`, `${upstreamUrl()}/two`] },
      }),
      keylessApi({
        api_id: "balanced-too",
        proxy: { listen_path: "/balanced-too/", enable_load_balancing: true, target_list: [`${upstreamUrl()}/three`, `${upstreamUrl()}/four`] },
      }),
    );
  });

  it("strips the listen path and forwards method, query and body", async () => {
    const response = await gateway("/keyless/things/7?a=1&b=two", { method: "POST", body: "hello" });
    expect(response.status).toBe(200);
    const echo = await echoOf(response);
    expect(echo.method).toBe("POST");
    expect(echo.path).toBe("/things/7?a=1&b=two");
    expect(echo.body).toBe("hello");
  });

  it("keeps the listen path when strip_listen_path is off", async () => {
    const echo = await echoOf(await gateway("/nostrip/things"));
    expect(echo.path).toBe("/nostrip/things");
  });

  it("joins the target path with one slash and keeps the target's query first", async () => {
    const echo = await echoOf(await gateway("/based/x?y=2"));
    expect(echo.path).toBe("/base/x?fixed=1&y=2");
  });

  it("answers 404 Not Found in plain text when no listen path matches", async () => {
    const response = await gateway("/nowhere/at/all");
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await response.text()).toBe("Not Found");
  });

  it("matches listen paths on segment boundaries", async () => {
    expect((await gateway("/keylessx/")).status).toBe(404);
  });

  it("does not serve inactive APIs", async () => {
    expect((await gateway("/inactive/x")).status).toBe(404);
  });

  it("answers Tyk's 500 when the upstream cannot be reached", async () => {
    const response = await gateway("/down/x");
    expect(response.status).toBe(500);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("x-generator")).toBe("tyk.io");
    expect(await response.text()).toBe('{\n    "error": "There was a problem proxying the request"\n}');
  });

  it("sends the upstream's own Host and the client's in X-Forwarded-Host, even with preserve_host_header", async () => {
    const echo = await echoOf(await gateway("/host/x"));
    expect(echo.headers.host).toBe(new URL(upstreamUrl()).host);
    expect(echo.headers["x-forwarded-host"]).toBe("gateway.test");
  });

  it("spreads requests round-robin over target_list", async () => {
    const paths = [];
    for (let i = 0; i < 4; i++) paths.push((await echoOf(await gateway("/balanced/x"))).path);
    expect(new Set(paths)).toEqual(new Set(["/one/x", "/two/x"]));
    expect(paths[0]).not.toBe(paths[1]);
  });

  it("keeps one rotation per API: two balanced APIs called in turn each reach all their targets", async () => {
    const first: string[] = [];
    const second: string[] = [];
    for (let i = 0; i < 4; i++) {
      first.push((await echoOf(await gateway("/balanced/x"))).path);
      second.push((await echoOf(await gateway("/balanced-too/x"))).path);
    }
    expect(new Set(first)).toEqual(new Set(["/one/x", "/two/x"]));
    expect(new Set(second)).toEqual(new Set(["/three/x", "/four/x"]));
  });

  it("streams a large response body through", async () => {
    const response = await gateway("/keyless/bytes/1048576");
    expect(response.status).toBe(200);
    expect((await response.arrayBuffer()).byteLength).toBe(1048576);
  });

  it("drops hop-by-hop headers both ways and sets X-Forwarded-*", async () => {
    const response = await gateway("/keyless/h", {
      headers: { "x-custom": "kept", "keep-alive": "timeout=1", "cf-connecting-ip": "203.0.113.9", "x-forwarded-for": "198.51.100.1" },
    });
    expect(response.headers.get("keep-alive")).toBeNull();
    expect(response.headers.get("x-upstream")).toBe("echo");
    const echo = await echoOf(response);
    expect(echo.headers["x-custom"]).toBe("kept");
    expect(echo.headers["keep-alive"]).toBeUndefined();
    expect(echo.headers["x-forwarded-for"]).toBe("198.51.100.1, 203.0.113.9");
    expect(echo.headers["x-forwarded-proto"]).toBe("http");
    expect(echo.headers["x-forwarded-host"]).toBe("gateway.test");
  });
});
