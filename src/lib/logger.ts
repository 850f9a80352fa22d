/*
 * One JSON object per log line, which Workers Logs (and `wrangler tail`) index
 * by field. Every line has a level and a message; lines written while serving
 * a request carry its `request_id` and, once the API is known, its `api_id`
 * and `trace_id` (the W3C trace the request belongs to: src/lib/trace-context.ts).
 */

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

const sinks: Record<LogLevel, (line: string) => void> = {
  debug: (line) => console.debug(line),
  info: (line) => console.log(line),
  warn: (line) => console.warn(line),
  error: (line) => console.error(line),
};

function describe(value: unknown): unknown {
  return value instanceof Error ? `${value.name}: ${value.message}` : value;
}

export class Logger {
  constructor(private readonly context: LogFields = {}) {}

  /** A logger whose lines also carry these fields. */
  with(fields: LogFields): Logger {
    return new Logger({ ...this.context, ...fields });
  }

  debug(message: string, fields?: LogFields): void {
    this.write("debug", message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.write("info", message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.write("warn", message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.write("error", message, fields);
  }

  private write(level: LogLevel, message: string, fields: LogFields | undefined): void {
    const line: LogFields = { level, message, ...this.context };
    if (fields) for (const [name, value] of Object.entries(fields)) line[name] = describe(value);
    sinks[level](JSON.stringify(line));
  }
}

/** For lines that belong to no request (isolate start-up, background work). */
export const isolateLogger = new Logger();

/** Cloudflare's ray id when the edge set one, so log lines join Cloudflare's own request logs; else a fresh id. */
export function requestIdOf(headers: Headers): string {
  return headers.get("cf-ray") ?? crypto.randomUUID();
}
