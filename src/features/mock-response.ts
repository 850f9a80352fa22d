import type * as z from "zod";
import { compileVersions, list, perVersionFragment } from "../apidef/schema";
import { defineFeature } from "../chain/feature";
import { mediaTypeEntry } from "../lib/openapi-params";
import { compileOperationPath, matchOperationPath, type OperationPath } from "../lib/path-template";
import { TykError } from "../lib/tyk-error";
import { type FromOasExamples, type MockMedia, mockResponseEntrySchema } from "../oas/operation-entries";

/*
 * Tyk's mock responses (MockResponseMiddleware): on the first enabled
 * `extended_paths.mock_response` entry whose method and OpenAPI path
 * template match, the gateway answers itself and the upstream is not called.
 * The answer is the entry's `code` (default 200), `body` and `headers`, or,
 * with `from_oas_examples`, an example of the operation's documented
 * responses, chosen as Tyk does: the status from `X-Tyk-Accept-Example-Code`
 * (else the configured code, else 200), the media type from `Accept` (unless
 * absent or `*\/*`; else the configured one, else application/json), then
 * the media type's `example`, else the named example
 * (`X-Tyk-Accept-Example-Name`, else the configured name, else the first by
 * name), else one built from the schema. Tyk runs it after authentication and
 * the request transforms, so a keyed API still needs a key.
 */

const entrySchema = mockResponseEntrySchema.superRefine((entry, ctx) => {
  if (entry.disabled) return;
  // A Worker can only answer with a final status.
  if (entry.code !== 0 && entry.code < 200) ctx.addIssue({ code: "custom", path: ["code"], message: "must be 0 (for 200) or an HTTP status from 200 to 599" });
  try {
    compileOperationPath(entry.path, entry.more_specific_paths ?? [], entry.ignore_case);
  } catch (error) {
    ctx.addIssue({ code: "custom", path: ["path"], message: error instanceof Error ? error.message : String(error) });
  }
});

type Entry = z.output<typeof entrySchema>;

interface CompiledMock {
  path: OperationPath;
  method: string;
  entry: Entry;
}

/** Go's strconv.Atoi: an optional sign and decimal digits. */
const integerText = /^[+-]?\d+$/;

const bodiless = new Set([204, 205, 304]);

function respond(body: string, status: number, headers: Headers): Response {
  return new Response(bodiless.has(status) ? null : body, { status, headers });
}

const mockFailure = (status: number, reason: string) => new TykError(status, `failed to mock response: mock: ${reason}`);

function pickExample(media: MockMedia, name: string): unknown {
  if (media.example !== undefined && media.example !== null) return media.example;
  const names = Object.keys(media.examples);
  if (names.length > 0) {
    if (name !== "") {
      if (!Object.hasOwn(media.examples, name)) throw mockFailure(500, `there is no example response for the example name: ${name}`);
      return media.examples[name];
    }
    const first = names.sort()[0] ?? "";
    return media.examples[first];
  }
  return media.generated ?? null;
}

function fromExamples(request: Request, examples: FromOasExamples): Response {
  const name = request.headers.get("x-tyk-accept-example-name") || examples.example_name;
  const codeHeader = request.headers.get("x-tyk-accept-example-code") ?? "";
  if (codeHeader !== "" && !integerText.test(codeHeader)) throw mockFailure(500, `given code ${codeHeader} is not a valid integer value`);
  const code = codeHeader !== "" ? Number(codeHeader) : examples.code;
  const accept = request.headers.get("accept") ?? "";
  const contentType = accept !== "" && accept !== "*/*" ? accept : examples.content_type;

  const documented = examples.responses[String(code)];
  if (!documented) throw mockFailure(500, `there is no example response for the code: ${code}`);
  const media = mediaTypeEntry(documented.content, contentType);
  if (!media) throw mockFailure(500, `there is no example response for the content type: ${contentType}`);

  const headers = new Headers();
  for (const header of documented.headers) headers.set(header.name, header.value);
  headers.set("content-type", contentType);
  if (code < 200 || code > 599) throw mockFailure(500, `given code ${code} cannot be answered`);
  return respond(JSON.stringify(pickExample(media, name)), code, headers);
}

function fromConfig(entry: Entry): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(entry.headers ?? {})) headers.set(name, value);
  // Go's response writer sniffs a type when none is set; text is what it finds for JSON and plain bodies.
  if (entry.body !== "" && !headers.has("content-type")) headers.set("content-type", "text/plain; charset=utf-8");
  return respond(entry.body, entry.code || 200, headers);
}

export const mockResponse = defineFeature({
  name: "MockResponseMiddleware",
  fields: perVersionFragment({ mock_response: list(entrySchema) }),
  honours: ["path", "method", "disabled", "ignore_case", "code", "body", "headers", "more_specific_paths", "from_oas_examples"].map(
    (field) => `version_data.versions.*.extended_paths.mock_response.*.${field}`,
  ),
  compile: (definition) => {
    const byVersion = compileVersions(definition, (version) => {
      if (!version.use_extended_paths) return undefined;
      const mocks = version.extended_paths.mock_response
        .filter((entry) => !entry.disabled)
        .map((entry) => ({
          path: compileOperationPath(entry.path, entry.more_specific_paths ?? [], entry.ignore_case),
          method: entry.method.toUpperCase(),
          entry,
        }));
      // Concrete paths before templated ones, as OpenAPI matches them.
      mocks.sort((a, b) => a.path.template.parameters - b.path.template.parameters);
      return mocks.length > 0 ? mocks : undefined;
    });
    return byVersion.size > 0 ? byVersion : undefined;
  },
  step: (byVersion) => async (ctx, next) => {
    const mocks: CompiledMock[] | undefined = byVersion.get(ctx.version.name);
    const mock = mocks?.find((candidate) => candidate.method === ctx.method && matchOperationPath(candidate.path, ctx.apiPath) !== undefined);
    if (!mock) return next();
    const examples = mock.entry.from_oas_examples;
    return examples?.enabled ? fromExamples(ctx.request, examples) : fromConfig(mock.entry);
  },
});
