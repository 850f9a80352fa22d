/*
 * `GET /tyk/apis/oas/{id}/export` (and `/tyk/apis/oas/export` for all of
 * them), as Tyk answers it: the stored document, indented, as a file to save
 * (`application/octet-stream` with a `Content-Disposition` file name);
 * `mode=public` leaves out the `x-tyk-api-gateway` extension, giving the
 * plain OpenAPI document a client may read.
 */

export const extensionKey = "x-tyk-api-gateway";

/** The document as exported: public mode drops the extension, nothing else changes. */
export function exportedDocument(document: unknown, isPublic: boolean): unknown {
  if (!isPublic || typeof document !== "object" || document === null || Array.isArray(document)) return document;
  const { [extensionKey]: _extension, ...rest } = document as Record<string, unknown>;
  return rest;
}

/** Tyk's file names: `TykOasApiDef-<id>.json`, or `oas-<id>.json` in public mode; without an id for the whole list. */
export function exportFileName(apiId: string | undefined, isPublic: boolean): string {
  const base = isPublic ? "oas" : "TykOasApiDef";
  return `${apiId === undefined ? base : `${base}-${apiId}`}.json`;
}

/** The export as Tyk sends it: two-space indented JSON, downloaded as a file. */
export function exportResponse(body: unknown, fileName: string): Response {
  // Ids may be any Unicode text; a header value may carry only Latin-1, so the rest is percent-encoded.
  const headerSafe = fileName.replace(/[^\x20-\x7e]|["\\]/gu, (character) => encodeURIComponent(character));
  return new Response(JSON.stringify(body, null, 2), {
    status: 200,
    headers: { "Content-Type": "application/octet-stream", "Content-Disposition": `attachment;filename="${headerSafe}"` },
  });
}
