import * as z from "zod";
import { readBounded } from "../lib/bounded-body";
import { fromUtf8 } from "../lib/encoding";

/*
 * The parameters of an OAuth request as Go's `r.FormValue` sees them: the
 * form-encoded body first, then the query string. Tyk also reads a body sent
 * as `application/json` when it is an object of strings.
 */

const maxFormBytes = 64 * 1024;
const jsonForm = z.record(z.string(), z.string());

export class FormTooLargeError extends Error {
  override name = "FormTooLargeError";
}

async function bodyText(body: ReadableStream<Uint8Array> | null): Promise<string> {
  const bytes = await readBounded(body, maxFormBytes, () => new FormTooLargeError(`the form is over ${maxFormBytes} bytes`));
  return fromUtf8(bytes);
}

function bodyParams(contentType: string, text: string): URLSearchParams {
  if (contentType === "application/json") {
    try {
      const parsed = jsonForm.safeParse(JSON.parse(text));
      return new URLSearchParams(parsed.success ? parsed.data : {});
    } catch {
      return new URLSearchParams();
    }
  }
  return contentType.startsWith("application/x-www-form-urlencoded") ? new URLSearchParams(text) : new URLSearchParams();
}

/** Body parameters, then query parameters; `get` finds the body's first. Only POST and PUT bodies are read, as Go does. */
export async function formOf(request: Request, url: URL, body: ReadableStream<Uint8Array> | null): Promise<URLSearchParams> {
  const form = new URLSearchParams();
  if (request.method === "POST" || request.method === "PUT") {
    const contentType = (request.headers.get("content-type") ?? "").toLowerCase();
    for (const [name, value] of bodyParams(contentType, await bodyText(body))) form.append(name, value);
  }
  for (const [name, value] of url.searchParams) form.append(name, value);
  return form;
}

/** Only the body's parameters (Go's `PostFormValue`). */
export async function postFormOf(request: Request, body: ReadableStream<Uint8Array> | null): Promise<URLSearchParams> {
  if (request.method !== "POST" && request.method !== "PUT") return new URLSearchParams();
  const contentType = (request.headers.get("content-type") ?? "").toLowerCase();
  return contentType.startsWith("application/x-www-form-urlencoded") ? new URLSearchParams(await bodyText(body)) : new URLSearchParams();
}
