import type { CompiledRule } from "./error-overrides";
import { htmlEscape, renderBodyTemplate, type TemplateName } from "./error-override-template";
import { goJsEscape } from "./go-escape";
import { renderTykError, TykError } from "./tyk-error";

/*
 * What a matched `error_overrides` rule answers (gateway/handler_error.go
 * for the gateway's errors, gateway/res_handler_error_override.go for upstream
 * answers). The status is the rule's, or the error's when the rule says 0.
 * The body, by what the rule sets: an inline template filled in, a `body`
 * written as is, or, with only a `message`, Tyk's error document carrying
 * that message. A rule with none of these (headers only), or naming a
 * template file, keeps the body: for a gateway error Tyk's error document
 * with its own message at the new status, for an upstream answer the
 * upstream's body. The rule's headers are set last.
 *
 * There is no template directory on Workers: `template: "error"` is Tyk's
 * built-in error document; any other file name is as missing as in a Tyk
 * whose templates folder lacks it (the definition loads with a warning).
 */

export interface ErrorContext {
  xml: boolean;
  contentType: string;
}

/** Tyk's DetectErrorResponseContext: XML when the request said so, else JSON (SOAP is not in its list). */
export function errorContextOf(request: Request): ErrorContext {
  const contentType = request.headers.get("content-type")?.split(";")[0] ?? "";
  return contentType === "application/xml" || contentType === "text/xml" ? { xml: true, contentType } : { xml: false, contentType: "application/json" };
}

function escapeFor(context: ErrorContext, text: string): string {
  return context.xml ? htmlEscape(text) : goJsEscape(text);
}

/** Values a template reads: Go's html/template (JSON) writes a missing one as "", text/template (XML) as "<no value>". */
function fill(rule: CompiledRule, context: ErrorContext, status: number, extra: Record<string, string> | null): string | null {
  const values: Partial<Record<TemplateName, string>> = { Message: escapeFor(context, rule.message), StatusCode: String(status) };
  for (const [name, value] of Object.entries(extra ?? {})) values[name as TemplateName] = escapeFor(context, value);
  // An upstream answer's data is a struct: a field it has not fails the template (null), and the upstream body stays.
  const missing = extra === null ? null : context.xml ? "<no value>" : "";
  return renderBodyTemplate(rule.template!, values, missing);
}

function usesDefaultDocument(rule: CompiledRule): boolean {
  return rule.file === "error" || (rule.file === "" && rule.message !== "");
}

function setRuleHeaders(headers: Headers, rule: CompiledRule): void {
  for (const [name, value] of rule.headers) headers.set(name, value);
}

/** The answer to a gateway error a rule matched; `templateData` are the error's extra template values. */
export function overrideGatewayError(
  rule: CompiledRule,
  error: TykError,
  templateData: Record<string, string>,
  request: Request,
  hideGenerator: boolean,
): Response {
  const status = rule.status || error.status;
  const context = errorContextOf(request);
  const headers = new Headers(error.headers);
  headers.set("content-type", context.contentType);
  if (!hideGenerator) headers.set("x-generator", "tyk.io");
  setRuleHeaders(headers, rule);
  if (rule.template) return new Response(fill(rule, context, status, templateData), { status, headers });
  if (rule.body) return new Response(rule.body, { status, headers });
  const message = usesDefaultDocument(rule) ? rule.message : error.message;
  return renderTykError(new TykError(status, message, Object.fromEntries(headers)), request, hideGenerator);
}

function replacementBody(rule: CompiledRule, context: ErrorContext, status: number, request: Request): Promise<string | null> | string | null {
  if (rule.template) return fill(rule, context, status, null);
  if (rule.body) return rule.body;
  if (usesDefaultDocument(rule)) return renderTykError(new TykError(status, rule.message), request, true).text();
  return null;
}

/** The upstream's answer as a matched rule changes it. */
export async function overrideUpstreamAnswer(rule: CompiledRule, upstream: Response, request: Request): Promise<Response> {
  const status = rule.status || upstream.status;
  const context = errorContextOf(request);
  const headers = new Headers(upstream.headers);
  const replaced = await replacementBody(rule, context, status, request);
  let body: BodyInit | null = upstream.body;
  if (replaced !== null) {
    body = replaced;
    await upstream.body?.cancel();
    headers.set("content-type", context.contentType);
    headers.delete("content-length");
    headers.delete("content-encoding");
  }
  setRuleHeaders(headers, rule);
  return new Response(body, { status, statusText: status === upstream.status ? upstream.statusText : "", headers });
}
