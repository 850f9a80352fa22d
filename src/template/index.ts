import { defaultRenderLimits, execute, type RenderLimits } from "./exec";
import { parseTemplate, type TemplateNode } from "./parser";
import type { GoValue, TemplateExecError } from "./values";

/*
 * A small interpreter of Go's text/template, for Tyk's body transforms:
 * parse once (per config snapshot), render per request.
 */

export interface CompiledTemplate {
  render(data: GoValue): { output: string; error?: TemplateExecError };
}

/** Parses a template; throws TemplateSyntaxError or UnsupportedTemplateError (naming the construct). */
export function compileGoTemplate(source: string, limits: RenderLimits = defaultRenderLimits): CompiledTemplate {
  const tree: TemplateNode[] = parseTemplate(source);
  return { render: (data) => execute(tree, data, limits) };
}

export { TemplateSyntaxError, UnsupportedTemplateError } from "./parser";
export { type GoMap, type GoValue, TemplateExecError } from "./values";
export { parseXml, XmlParseError } from "./xml";
