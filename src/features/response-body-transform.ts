import { compileVersions, list, perVersionFragment } from "../apidef/schema";
import { defineFeature } from "../chain/feature";
import { readBounded } from "../lib/bounded-body";
import { messages, TykError } from "../lib/tyk-error";
import type { GoMap } from "../template";
import { addTykData, bodyData, compileTransforms, matchingTransform, transformEntry, transformHonours } from "./body-transform-template";

/*
 * Tyk's ResponseTransformMiddleware (`extended_paths.transform_response`):
 * the upstream's answer on the first entry matching the request's method and
 * path (as they arrived, before URL rewrites and method transforms) is
 * decoded (JSON unless `input_type` is xml), run through the template and
 * sent instead, with its Content-Length. Tyk 5 runs it for any API with an
 * enabled entry; the old `response_processors: [{name: "response_body_transform"}]`
 * entry is accepted and changes nothing (Tyk's loader migrates it away).
 *
 * As in Tyk, a body that does not decode leaves the template only the
 * context data, and a template that fails at run time sends what it wrote
 * before failing (both logged). Only upstream answers are transformed, never
 * the gateway's own. An answer larger than PORTCULLIS_TRANSFORM_MAX_BYTES is
 * not buffered: the client gets 502 "There was a problem proxying the request".
 */

const utf8 = new TextEncoder();
const bodilessStatuses = new Set([101, 204, 205, 304]);

export const responseBodyTransform = defineFeature({
  name: "ResponseTransformMiddleware",
  fields: perVersionFragment({ transform_response: list(transformEntry("json")) }),
  honours: transformHonours.map((field) => `version_data.versions.*.extended_paths.transform_response.*.${field}`),
  compile: (definition, _api, settings) => {
    const byVersion = compileVersions(definition, (version) =>
      version.use_extended_paths ? compileTransforms(version.extended_paths.transform_response, "json") : undefined,
    );
    return byVersion.size > 0 ? { byVersion, maxBytes: settings.transformMaxBytes } : undefined;
  },
  step:
    ({ byVersion, maxBytes }) =>
    async (ctx, next) => {
      const transform = matchingTransform(byVersion.get(ctx.version.name), ctx.apiPath, ctx.method);
      const response = await next();
      // An answer that may not carry a body (204, 304, …) keeps having none.
      if (!transform || !ctx.answeredByUpstream || bodilessStatuses.has(response.status)) return response;

      const tooLarge = () => {
        ctx.log.error("upstream answer over the body transform limit", { limit_bytes: maxBytes });
        return new TykError(502, messages.proxyFailed);
      };
      if (Number(response.headers.get("content-length") ?? 0) > maxBytes) {
        await response.body?.cancel();
        throw tooLarge();
      }
      const bytes = await readBounded(response.body, maxBytes, tooLarge);
      let data: GoMap = {};
      try {
        data = bodyData(bytes, transform.input);
      } catch (error) {
        ctx.log.error("Error unmarshalling the upstream answer for the body transform", { error: error instanceof Error ? error.message : String(error) });
      }
      addTykData(data, ctx, transform);
      const { output, error } = transform.template.render(data);
      if (error) ctx.log.error("Failed to apply template to request", { error: error.message });
      const body = utf8.encode(output);
      const headers = new Headers(response.headers);
      // workerd decoded a compressed answer and compresses it again on the way out: its length is then unknown here.
      if (headers.has("content-encoding")) headers.delete("content-length");
      else headers.set("content-length", String(body.byteLength));
      return new Response(body, { status: response.status, statusText: response.statusText, headers });
    },
});
