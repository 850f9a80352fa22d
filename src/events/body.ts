import { type CompiledTemplate, compileGoTemplate, type GoMap } from "../template";
import { LruCache } from "../lib/lru";
import type { EventMessage } from "./message";

/*
 * The webhook body: a Go template rendered with Tyk's EventMessage
 * (`.Type`, `.Meta.<Field>`, `.TimeStamp`). Tyk renders with html/template,
 * which escapes every value; the default template escapes with `html` to
 * match, and a custom template escapes where it says so. The default body has
 * no time stamp, so that repeats render alike and `event_timeout` holds them
 * back (`{{.TimeStamp}}` is there for templates that want one).
 */

export const defaultWebhookTemplate = `{
  "event": "{{.Type}}",
  "message": "{{html .Meta.Message}}",
  "path": "{{html .Meta.Path}}",
  "origin": "{{html .Meta.Origin}}",
  "key": "{{html .Meta.Key}}"
}
`;

const defaultTemplate = compileGoTemplate(defaultWebhookTemplate);
/** Custom templates by source: a consumer isolate sees the same few again and again. */
const compiled = new LruCache<string, CompiledTemplate>(100);

function templateFor(source: string | null): CompiledTemplate {
  if (source === null) return defaultTemplate;
  let template = compiled.get(source);
  if (!template) {
    template = compileGoTemplate(source);
    compiled.set(source, template);
  }
  return template;
}

/** The rendered body; throws when the template does not parse or fails to run (Tyk then sends nothing). */
export function renderWebhookBody(message: EventMessage): string {
  const data: GoMap = { Type: message.event, Meta: message.meta, TimeStamp: message.timestamp };
  const { output, error } = templateFor(message.webhook.template).render(data);
  if (error) throw error;
  return output;
}
