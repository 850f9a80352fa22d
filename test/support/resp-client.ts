import { connect, type Socket } from "node:net";

/**
 * A minimal RESP2 client for the integration harness. Replies keep the
 * distinctions the Upstash REST encoding depends on: bulk strings stay bytes
 * (binary-safe), status replies and errors are typed apart from them.
 */
export class StatusReply {
  constructor(readonly value: string) {}
}

export class ErrorReply {
  constructor(readonly message: string) {}
}

export type Reply = StatusReply | ErrorReply | number | Buffer | null | Reply[];

/** A parsed reply and the offset just past it, or undefined when the buffer ends mid-reply. */
type Parsed = { reply: Reply; end: number } | undefined;

const crlf = Buffer.from("\r\n");

function parseReply(buffer: Buffer, start: number): Parsed {
  const lineEnd = buffer.indexOf(crlf, start);
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[start]!);
  const line = buffer.toString("utf8", start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case "+":
      return { reply: new StatusReply(line), end: next };
    case "-":
      return { reply: new ErrorReply(line), end: next };
    case ":":
      return { reply: Number(line), end: next };
    case "$": {
      const length = Number(line);
      if (length < 0) return { reply: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { reply: Buffer.from(buffer.subarray(next, next + length)), end: next + length + 2 };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { reply: null, end: next };
      const items: Reply[] = [];
      let offset = next;
      for (let index = 0; index < count; index++) {
        const item = parseReply(buffer, offset);
        if (!item) return undefined;
        items.push(item.reply);
        offset = item.end;
      }
      return { reply: items, end: offset };
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}

function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === "string" ? Buffer.from(arg, "utf8") : arg;
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, crlf);
  }
  return Buffer.concat(parts);
}

interface Waiter {
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
}

export class RespConnection {
  private buffered = Buffer.alloc(0);
  private readonly waiting: Waiter[] = [];
  private closedWith: Error | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", (error) => this.fail(error));
    socket.on("close", () => this.fail(new Error("the connection to redis closed")));
  }

  static open(port: number, host = "127.0.0.1"): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host, noDelay: true });
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new RespConnection(socket));
      });
    });
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /**
   * Sends the commands in one write, so nothing from another caller can land
   * between them (this is what keeps MULTI … EXEC contiguous), and resolves
   * with one reply per command.
   */
  send(commands: readonly (readonly (string | Buffer)[])[]): Promise<Reply[]> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const replies = commands.map(() => new Promise<Reply>((resolve, reject) => this.waiting.push({ resolve, reject })));
    this.socket.write(Buffer.concat(commands.map(encodeCommand)));
    return Promise.all(replies);
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    let offset = 0;
    while (offset < this.buffered.length) {
      let parsed: Parsed;
      try {
        parsed = parseReply(this.buffered, offset);
      } catch (error) {
        this.socket.destroy(error as Error);
        return;
      }
      if (!parsed) break;
      offset = parsed.end;
      this.waiting.shift()?.resolve(parsed.reply);
    }
    this.buffered = this.buffered.subarray(offset);
  }

  private fail(error: Error): void {
    this.closedWith ??= error;
    for (const waiter of this.waiting.splice(0)) waiter.reject(this.closedWith);
  }
}
