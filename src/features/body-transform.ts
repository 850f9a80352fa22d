import { compileVersions, list, perVersionFragment } from "../apidef/schema";
import { defineFeature } from "../chain/feature";
import { readBounded, streamOf } from "../lib/bounded-body";
import { messages, TykError } from "../lib/tyk-error";
import { addTykData, bodyData, compileTransforms, matchingTransform, transformEntry, transformHonours } from "./body-transform-template";
import { expandVariables } from "./context-vars";

/*
 * Tyk's TransformMiddleware (`extended_paths.transform`): on the first entry
 * matching the method and path, the request body is decoded (JSON or XML),
 * run through the entry's Go template and sent upstream instead, with its
 * Content-Length; `$tyk_context.*` / `$tyk_meta.*` in the result are then
 * expanded, query-escaped, as Tyk does. The body is read up to the gateway's
 * limit (PORTCULLIS_TRANSFORM_MAX_BYTES): over it the request gets 400
 * "Request is too large", never unbounded buffering.
 *
 * Tyk does not fail a request whose body does not decode or whose template
 * fails at run time: it logs "Body transform failure" and passes the request
 * on. So does this step, with the body as it arrived.
 */

const utf8 = new TextEncoder();

export const bodyTransform = defineFeature({
  name: "TransformMiddleware",
  fields: perVersionFragment({ transform: list(transformEntry(undefined)) }),
  honours: transformHonours.map((field) => `version_data.versions.*.extended_paths.transform.*.${field}`),
  compile: (definition, _api, settings) => {
    const byVersion = compileVersions(definition, (version) =>
      version.use_extended_paths ? compileTransforms(version.extended_paths.transform, undefined) : undefined,
    );
    return byVersion.size > 0 ? { byVersion, maxBytes: settings.transformMaxBytes } : undefined;
  },
  step:
    ({ byVersion, maxBytes }) =>
    async (ctx, next) => {
      const transform = matchingTransform(byVersion.get(ctx.version.name), ctx.apiPath, ctx.method);
      if (!transform) return next();

      const tooLarge = () => new TykError(400, messages.requestTooLarge);
      if (Number(ctx.request.headers.get("content-length") ?? 0) > maxBytes) throw tooLarge();
      const hadBody = ctx.upstreamBody !== null;
      const bytes = await readBounded(ctx.upstreamBody, maxBytes, tooLarge);
      let body = bytes;
      try {
        const data = bodyData(bytes, transform.input);
        addTykData(data, ctx, transform);
        const { output, error } = transform.template.render(data);
        if (error) throw error;
        body = utf8.encode(expandVariables(output, ctx, true));
      } catch (error) {
        ctx.log.error("Body transform failure", { error: error instanceof Error ? error.message : String(error) });
      }
      // A bodiless request that failed to transform stays bodiless, so its framing upstream does not change.
      if (hadBody || body !== bytes) {
        ctx.upstreamBody = streamOf(body);
        ctx.upstreamHeaders.set("content-length", String(body.byteLength));
        ctx.upstreamHeaders.delete("transfer-encoding");
      }
      return next();
    },
});
