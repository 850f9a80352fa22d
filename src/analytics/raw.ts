import { base64FromBytes } from "../lib/encoding";

/*
 * Tyk's detailed recording: `raw_request` and `raw_response` are the base64 of
 * the HTTP/1.1 wire form of each message. Tyk records them whole; Portcullis
 * keeps the first `maxBytes` bytes of each (a queue message is at most 128 KB)
 * and never buffers a body on the request's path: it reads its own tee of the
 * stream and stops at the cap.
 */

/** Header values that would leak credentials into analytics storage. */
const secretHeaders = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie", "x-tyk-authorization"]);
const redacted = "[redacted]";

const encoder = new TextEncoder();

function headerLines(headers: Headers, secret: ReadonlySet<string>): string {
  let lines = "";
  headers.forEach((value, name) => {
    lines += `${name}: ${secret.has(name) ? redacted : value}\r\n`;
  });
  return lines;
}

function wire(head: string, body: Uint8Array, maxBytes: number): string {
  const headBytes = encoder.encode(head);
  const bytes = new Uint8Array(headBytes.byteLength + body.byteLength);
  bytes.set(headBytes);
  bytes.set(body, headBytes.byteLength);
  return base64FromBytes(bytes.subarray(0, maxBytes));
}

/**
 * The request as the client sent it, credentials redacted: the standard
 * credential headers and the API's own key header (`extraSecret`).
 */
export function rawRequest(request: Request, url: URL, body: Uint8Array, maxBytes: number, extraSecret: string): string {
  const secret = new Set(secretHeaders).add(extraSecret.toLowerCase());
  const head = `${request.method} ${url.pathname}${url.search} HTTP/1.1\r\n${headerLines(request.headers, secret)}\r\n`;
  return wire(head, body, maxBytes);
}

export function rawResponse(response: Response, body: Uint8Array, maxBytes: number): string {
  const head = `HTTP/1.1 ${response.status} ${response.statusText}\r\n${headerLines(response.headers, secretHeaders)}\r\n`;
  return wire(head, body, maxBytes);
}
