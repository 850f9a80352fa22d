import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from "node:net";

/**
 * Loopback upstreams for the error override tests, answering what Tyk's
 * error-override CI backends answer (ci/tests/error-overrides/docker-compose.yml,
 * "backend-multi-error"): `/5xx` and `/500`…`/504` JSON 5xx answers, `/404-json`
 * `{"error":{"code":"RESOURCE_NOT_FOUND",…}}`, `/404-html` an HTML "Page Not
 * Found", `/400-nomatch`, `/500-complex`, `/500-template`, `/500-json-escape`,
 * `/500-truncation` (its matched field beyond the first 4 KB); anything else a
 * plain 404. `malformedUrl` answers every request with bytes that are not HTTP
 * ("backend-malformed").
 */

function json(code: number, body: unknown): [number, string, string] {
  return [code, "application/json", JSON.stringify(body)];
}

function answerFor(path: string): [number, string, string] {
  const fixed = /^\/(50[0-4])$/.exec(path);
  if (path === "/5xx" || fixed) {
    const code = fixed ? Number(fixed[1]) : 502;
    return json(code, { error: `upstream_error_${code}`, message: `Upstream returned ${code}` });
  }
  switch (path) {
    case "/404-json":
      return json(404, { error: { code: "RESOURCE_NOT_FOUND", message: "User not found" } });
    case "/404-html":
      return [404, "text/html", "<html><body><h1>Page Not Found</h1><p>The requested resource does not exist.</p></body></html>"];
    case "/400-nomatch":
      return json(400, { error: "bad_request", message: "Invalid input" });
    case "/500-complex":
      return json(500, { error: { type: "database_timeout", code: 1045 }, message: "Connection to db lost" });
    case "/500-template":
      return json(500, { error: "template", message: "Template test" });
    case "/500-json-escape":
      return json(500, { error: "json_escape", message: "JSON escape test" });
    case "/500-truncation":
      return json(500, { error: "truncation", message: "Truncation test", padding: "A".repeat(4096 + 10), target_value: "find_me_if_you_can" });
    default:
      return [404, "text/plain", "Not Found"];
  }
}

export async function startErrorUpstreams(): Promise<{ servers: (HttpServer | TcpServer)[]; url: string; malformedUrl: string }> {
  const http = createHttpServer((request, response) => {
    const [status, contentType, body] = answerFor(new URL(request.url ?? "/", "http://upstream").pathname);
    request.resume();
    response.writeHead(status, { "content-type": contentType }).end(body);
  });
  const malformed = createTcpServer((socket) => {
    socket.once("data", () => socket.end("GARBAGE\r\nThis is not HTTP\r\n\r\n"));
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  await new Promise<void>((resolve) => malformed.listen(0, "127.0.0.1", resolve));
  const port = (server: HttpServer | TcpServer) => (server.address() as AddressInfo).port;
  return { servers: [http, malformed], url: `http://127.0.0.1:${port(http)}`, malformedUrl: `http://127.0.0.1:${port(malformed)}` };
}
