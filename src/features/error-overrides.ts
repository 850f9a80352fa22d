import * as z from "zod";
import type { FieldWarning } from "../apidef/manifest";
import { defineFeature } from "../chain/feature";
import { responseFlagOf, templateDataOf } from "../lib/error-flags";
import { matchedBodyBytes, gatewayRule, upstreamRule } from "../lib/error-override-match";
import { overrideGatewayError, overrideUpstreamAnswer } from "../lib/error-override-render";
import { type CompiledOverrides, compileErrorOverrides, errorOverridesSchema, skippedPatterns } from "../lib/error-overrides";
import { readPrefix } from "../lib/bounded-body";
import { TykError } from "../lib/tyk-error";

/*
 * Tyk 5.x `error_overrides`: replaces the gateway's own error answers and
 * upstream answers of 400 and above with the response a matching rule
 * describes. The step sits right inside analytics, so every later step's
 * TykError passes through it and the record shows what the client got (Tyk
 * records the overridden status too). Headers later steps put on an error
 * (CORS, rate-limit headers) stay on its replacement, as Tyk sets them on the
 * response writer before the error handler runs. The API's rules come first
 * (none while `error_overrides_disabled`), then the gateway's
 * (TYK_GW_ERROROVERRIDES). Matching and rendering: src/lib/error-override-*.ts.
 */

const fields = z.looseObject({
  error_overrides: errorOverridesSchema,
  error_overrides_disabled: z.boolean().nullable().default(false),
});

type Fields = z.output<typeof fields>;

/**
 * Rules the gateway cannot run as written: a pattern the regex safety check
 * refuses (it never matches), a template file other than Tyk's built-in
 * "error" (none exist here: the error keeps its body, as Tyk does for a
 * missing file).
 */
function reportRules(definition: Fields): FieldWarning[] {
  const skipped = skippedPatterns(definition.error_overrides).map(({ path, problem }) => ({
    field: `error_overrides.${path}`,
    message: `${problem}; this pattern never matches here (the rule's flag or body field still can)`,
    security: false,
  }));
  return skipped.concat(templateFiles(definition));
}

function templateFiles(definition: Fields): FieldWarning[] {
  return Object.entries(definition.error_overrides ?? {}).flatMap(([status, rules]) =>
    (rules ?? []).flatMap((rule, index) =>
      rule.response.template && rule.response.template !== "error"
        ? [
            {
              field: `error_overrides.${status}.${index}.response.template`,
              message: `template file "${rule.response.template}" is not available on this gateway (only the built-in "error"): the error keeps its own body`,
              security: false,
            },
          ]
        : [],
    ),
  );
}

/** An upstream answer's first 4 KB as text, read from a copy so the answer itself stays whole. */
function bodyReader(answer: Response): () => Promise<string> {
  let text: Promise<string> | undefined;
  return () => {
    text ??= readPrefix(answer.clone().body, matchedBodyBytes).then((bytes) => new TextDecoder().decode(bytes));
    return text;
  };
}

export const errorOverrides = defineFeature({
  name: "ErrorOverrides",
  fields,
  honours: ["error_overrides", "error_overrides_disabled"],
  report: reportRules,
  compile: (definition, _api, settings): readonly CompiledOverrides[] | undefined => {
    const own = definition.error_overrides_disabled ? null : compileErrorOverrides(definition.error_overrides);
    const layers = [own, settings.errorOverrides].filter((layer) => layer !== null);
    return layers.length > 0 ? layers : undefined;
  },
  step: (layers) => async (ctx, next) => {
    let answer: Response;
    try {
      answer = await next();
    } catch (error) {
      if (!(error instanceof TykError)) throw error;
      const flag = responseFlagOf(error);
      const rule = await gatewayRule(layers, error.status, flag, error.message);
      if (!rule) throw error;
      ctx.log.debug("error override applied", { status: error.status, flag });
      return overrideGatewayError(rule, error, templateDataOf(error, flag), ctx.request, ctx.gateway.config.hideGeneratorHeader);
    }
    if (answer.status < 400 || !ctx.answeredByUpstream) return answer;
    const rule = await upstreamRule(layers, answer.status, bodyReader(answer));
    return rule ? overrideUpstreamAnswer(rule, answer, ctx.request) : answer;
  },
});
