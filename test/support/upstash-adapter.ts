import { timingSafeEqual, createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as z from "zod";
import { ErrorReply, RespConnection, StatusReply, type Reply } from "./resp-client";

/**
 * The Upstash Redis REST protocol in front of a real redis-server, for the
 * integration suite: `POST /` runs one command, `POST /pipeline` several,
 * `POST /multi-exec` several inside MULTI/EXEC. With `Upstash-Encoding: base64`
 * every string in a result is base64 except the status reply "OK", as Upstash
 * documents and @upstash/redis decodes.
 */

const argumentSchema = z.union([z.string(), z.number(), z.boolean()]);
const commandSchema = z.array(argumentSchema).min(1, "a command needs at least its name");
const commandListSchema = z.array(commandSchema).min(1, "send at least one command");

type Command = z.infer<typeof commandSchema>;
type Encoded = string | number | null | Encoded[];
type Outcome = { result: Encoded } | { error: string };

class RestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function encodeReply(reply: Reply, base64: boolean): Encoded {
  if (reply === null || typeof reply === "number") return reply;
  if (Array.isArray(reply)) return reply.map((item) => encodeReply(item, base64));
  if (reply instanceof ErrorReply) return reply.message;
  if (reply instanceof StatusReply) return base64 && reply.value !== "OK" ? Buffer.from(reply.value).toString("base64") : reply.value;
  return base64 ? reply.toString("base64") : reply.toString("utf8");
}

function outcomeOf(reply: Reply, base64: boolean): Outcome {
  return reply instanceof ErrorReply ? { error: reply.message } : { result: encodeReply(reply, base64) };
}

const toArguments = (command: Command): string[] => command.map(String);

function readJson(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("error", reject);
    request.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch {
        reject(new RestError(400, "ERR failed to parse the request body as JSON"));
      }
    });
  });
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RestError(400, `ERR invalid command at ${JSON.stringify(issue?.path ?? [])}: ${issue?.message ?? "malformed"}`);
  }
  return parsed.data;
}

const digest = (text: string) => createHash("sha256").update(text).digest();

export interface UpstashAdapter {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startUpstashAdapter(options: { redisPort: number; token: string; port?: number }): Promise<UpstashAdapter> {
  let connection: Promise<RespConnection> | undefined;
  const expectedToken = digest(options.token);

  /** One shared connection, reopened once redis has closed it. */
  async function redis(): Promise<RespConnection> {
    for (let attempt = 0; attempt < 2; attempt++) {
      connection ??= RespConnection.open(options.redisPort);
      const pending = connection;
      const current = await pending.catch((error: Error) => error);
      if (current instanceof RespConnection && !current.closed) return current;
      if (connection === pending) connection = undefined;
      if (current instanceof Error) throw new RestError(503, `ERR redis is unreachable: ${current.message}`);
    }
    throw new RestError(503, "ERR redis is unreachable");
  }

  async function send(commands: Command[]): Promise<Reply[]> {
    const connected = await redis();
    try {
      return await connected.send(commands.map(toArguments));
    } catch (error) {
      throw new RestError(503, `ERR redis is unreachable: ${(error as Error).message}`);
    }
  }

  async function handle(path: string, body: unknown, base64: boolean): Promise<Outcome | Outcome[]> {
    if (path === "/") {
      const [reply] = await send([parseBody(commandSchema, body)]);
      const outcome = outcomeOf(reply ?? null, base64);
      if ("error" in outcome) throw new RestError(400, outcome.error);
      return outcome;
    }
    if (path === "/pipeline") {
      const replies = await send(parseBody(commandListSchema, body));
      return replies.map((reply) => outcomeOf(reply, base64));
    }
    if (path === "/multi-exec") {
      const commands = parseBody(commandListSchema, body);
      const replies = await send([["MULTI"], ...commands, ["EXEC"]]);
      const exec = replies.at(-1) ?? null;
      // EXECABORT (a command failed to queue) discards the whole transaction.
      if (exec instanceof ErrorReply) throw new RestError(400, exec.message);
      if (!Array.isArray(exec)) throw new RestError(400, "ERR transaction discarded");
      return exec.map((reply) => outcomeOf(reply, base64));
    }
    throw new RestError(404, `ERR unknown endpoint ${path}`);
  }

  function authorized(request: IncomingMessage): boolean {
    const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? "");
    return match !== null && timingSafeEqual(digest(match[1]!), expectedToken);
  }

  function reply(response: ServerResponse, status: number, body: Outcome | Outcome[]): void {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  }

  const server = createServer(async (request, response) => {
    try {
      if (!authorized(request)) throw new RestError(401, "Unauthorized");
      if (request.method !== "POST") throw new RestError(405, "ERR only POST is supported");
      const base64 = request.headers["upstash-encoding"]?.toString().toLowerCase() === "base64";
      const path = new URL(request.url ?? "/", "http://adapter").pathname;
      reply(response, 200, await handle(path, await readJson(request), base64));
    } catch (error) {
      const status = error instanceof RestError ? error.status : 500;
      reply(response, status, { error: error instanceof Error ? error.message : String(error) });
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const current = await connection?.catch(() => undefined);
      current?.close();
    },
  };
}
