import { readBounded } from "../../lib/bounded-body";
import type { PluginResponse } from "../../plugins/api";

/*
 * The upstream's answer as a response hook sees it: status and headers edited
 * in place, the body read as text on demand. The answer is rebuilt only when
 * a hook touched it, so a hook that only looks streams the body through.
 */
export class ResponseView implements PluginResponse {
  status: number;
  readonly headers: Headers;
  private text: string | undefined;
  private readonly original: Response;
  private readonly statusAsGiven: number;
  private readonly headersAsGiven: string;

  constructor(
    response: Response,
    private readonly maxBodyBytes: number,
  ) {
    this.original = response;
    this.status = this.statusAsGiven = response.status;
    this.headers = new Headers(response.headers);
    this.headersAsGiven = [...this.headers].join("\n");
  }

  async readBody(): Promise<string> {
    if (this.text === undefined) {
      const overflow = () => new RangeError(`the upstream's answer is over ${this.maxBodyBytes} bytes (PORTCULLIS_TRANSFORM_MAX_BYTES)`);
      this.text = new TextDecoder().decode(await readBounded(this.original.body, this.maxBodyBytes, overflow));
    }
    return this.text;
  }

  setBody(body: string): void {
    if (this.text === undefined) void this.original.body?.cancel();
    this.text = body;
  }

  /** The answer to send on: the original when nothing changed. */
  result(): Response {
    const untouched = this.text === undefined && this.status === this.statusAsGiven && [...this.headers].join("\n") === this.headersAsGiven;
    if (untouched) return this.original;
    if (this.text === undefined) return new Response(this.original.body, { status: this.status, headers: this.headers });
    // The text is decoded: the upstream's length and encoding no longer describe it.
    this.headers.delete("content-length");
    this.headers.delete("content-encoding");
    return new Response(this.text, { status: this.status, headers: this.headers });
  }
}
