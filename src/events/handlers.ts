import * as z from "zod";
import type { Logger } from "../lib/logger";
import type { WaitUntil } from "../lib/wait-until";
import type { EventMessage, QueuedWebhook } from "./message";
import { webhookMethods } from "./message";
import { type EventMeta, type EventName, eventNames } from "./names";

/*
 * An API's `event_handlers.events`, compiled once per config snapshot into
 * what each event it handles does: log lines written at once, and webhooks
 * put on the EVENTS queue (in waitUntil, so the request never waits for them).
 * An API without handlers compiles to nothing, and steps raise through
 * `ctx.events?.raise(...)`, which then costs one property read.
 */

export const webhookHandler = "eh_web_hook_handler";
export const logHandler = "eh_log_handler";

const webhookMetaSchema = z.looseObject({
  method: z.string().default(""),
  target_path: z.string().default(""),
  template_path: z.string().default(""),
  /** Portcullis' extension: the body template itself, since a Worker has no file to read `template_path` from. */
  body_template: z.string().default(""),
  header_map: z.record(z.string(), z.string()).default({}),
  event_timeout: z.number().int().nonnegative().default(0),
  disabled: z.boolean().default(false),
});

const logMetaSchema = z.looseObject({ prefix: z.string().default("") });

export const handlerConfigSchema = z.looseObject({
  handler_name: z.string().default(""),
  handler_meta: z.record(z.string(), z.unknown()).nullable().default({}),
});

export const eventHandlersSchema = z.looseObject({
  events: z.record(z.string(), z.array(handlerConfigSchema).nullable()).nullable().default({}),
});

export type EventHandlersConfig = z.output<typeof eventHandlersSchema>;
type HandlerConfig = z.output<typeof handlerConfigSchema>;

/** Where a raise writes: the request (RequestContext) or a Durable Object's alarm. */
export interface EventSink {
  waitUntil: WaitUntil;
  log: Logger;
}

interface CompiledHandlers {
  logPrefixes: string[];
  webhooks: QueuedWebhook[];
}

const raisable = new Set<string>(eventNames);

/** Tyk sends GET for a method it does not know (getRequestMethod). */
function methodOf(method: string): QueuedWebhook["method"] {
  const upper = method.toUpperCase();
  return webhookMethods.find((known) => known === upper) ?? "GET";
}

/** A webhook's settings, or a reason it is skipped (Tyk logs and skips a handler it cannot initialise). */
function compileWebhook(meta: unknown): QueuedWebhook | string {
  const parsed = webhookMetaSchema.safeParse(meta ?? {});
  if (!parsed.success) return `invalid handler_meta: ${parsed.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`).join("; ")}`;
  const settings = parsed.data;
  if (settings.disabled) return "disabled";
  if (!URL.canParse(settings.target_path) || !/^https?:$/.test(new URL(settings.target_path).protocol)) return "target_path must be an absolute http(s) URL";
  return {
    method: methodOf(settings.method),
    url: settings.target_path,
    headers: settings.header_map,
    template: settings.body_template || null,
    eventTimeout: settings.event_timeout,
  };
}

export class ApiEvents {
  constructor(
    private readonly apiId: string,
    private readonly byEvent: ReadonlyMap<string, CompiledHandlers>,
    private readonly queue: Queue<EventMessage> | undefined,
  ) {}

  handles(name: EventName): boolean {
    return this.byEvent.has(name);
  }

  /** Runs the event's handlers: log lines now, webhooks onto the queue in the background. */
  raise(sink: EventSink, name: EventName, meta: EventMeta): void {
    const handlers = this.byEvent.get(name);
    if (!handlers) return;
    for (const prefix of handlers.logPrefixes) logEvent(sink.log, prefix, name, meta);
    if (handlers.webhooks.length === 0) return;
    if (!this.queue) {
      sink.log.error("event webhooks dropped: the EVENTS queue binding is missing", { event: name, webhooks: handlers.webhooks.length });
      return;
    }
    const timestamp = new Date().toISOString();
    const body = { ...meta } as unknown as EventMessage["meta"];
    const messages = handlers.webhooks.map((webhook) => ({
      body: { apiId: this.apiId, event: name, meta: body, timestamp, webhook },
      contentType: "json" as const,
    }));
    const queue = this.queue;
    sink.waitUntil(
      queue.sendBatch(messages).catch((error: unknown) => sink.log.error("event webhooks dropped: the queue send failed", { event: name, error })),
    );
  }
}

/** Tyk's log handler line, `prefix:Event` with the key, origin and path (Tyk adds them for QuotaExceeded), as one structured line. */
function logEvent(log: Logger, prefix: string, name: EventName, meta: EventMeta): void {
  const { OriginatingRequest: _request, ...details } = meta;
  log.warn(`${prefix}:${name}`, { event: name, prefix, ...details });
}

export interface CompiledEvents {
  events: ApiEvents | undefined;
  /** Handlers that are configured but do nothing here, with why (reported as warnings). */
  skipped: { field: string; reason: string }[];
}

function compileHandler(handler: HandlerConfig, into: CompiledHandlers): string | undefined {
  if (handler.handler_name === logHandler) {
    const parsed = logMetaSchema.safeParse(handler.handler_meta ?? {});
    into.logPrefixes.push(parsed.success ? parsed.data.prefix : "");
    return undefined;
  }
  if (handler.handler_name !== webhookHandler)
    return `the ${handler.handler_name || "unnamed"} handler is not supported (eh_web_hook_handler and eh_log_handler are)`;
  const webhook = compileWebhook(handler.handler_meta);
  if (typeof webhook === "string") return webhook;
  into.webhooks.push(webhook);
  const templatePath = handler.handler_meta?.["template_path"];
  if (webhook.template === null && typeof templatePath === "string" && templatePath !== "")
    return "template_path cannot be read on Workers: the default body template is used (give the template in handler_meta.body_template)";
  return undefined;
}

export function compileEventHandlers(config: EventHandlersConfig, apiId: string, queue: Queue<EventMessage> | undefined): CompiledEvents {
  const byEvent = new Map<string, CompiledHandlers>();
  const skipped: CompiledEvents["skipped"] = [];
  for (const [name, handlers] of Object.entries(config.events ?? {})) {
    if (!handlers || handlers.length === 0) continue;
    if (!raisable.has(name)) {
      skipped.push({ field: `event_handlers.events.${name}`, reason: `${name} is never raised by this gateway` });
      continue;
    }
    const compiled: CompiledHandlers = { logPrefixes: [], webhooks: [] };
    handlers.forEach((handler, index) => {
      const reason = compileHandler(handler, compiled);
      if (reason && reason !== "disabled") skipped.push({ field: `event_handlers.events.${name}.${index}`, reason });
    });
    if (compiled.logPrefixes.length > 0 || compiled.webhooks.length > 0) byEvent.set(name, compiled);
  }
  return { events: byEvent.size > 0 ? new ApiEvents(apiId, byEvent, queue) : undefined, skipped };
}

/** Only the handlers of these events, for a component that raises no others (the uptime checker). */
export function handlersOf(config: EventHandlersConfig, names: readonly EventName[]): EventHandlersConfig {
  const events = config.events ?? {};
  return { events: Object.fromEntries(names.flatMap((name) => (events[name] ? [[name, events[name]]] : []))) };
}
