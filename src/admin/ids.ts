import { hasLoneSurrogate } from "../lib/bounded-json";
import { utf8 } from "../lib/encoding";
import { storageKey, type DocumentKind } from "../store/store";
import { maxStoreKeyBytes } from "./limits";

/*
 * Ids become storage keys, URL segments and log fields. Any Unicode text is
 * fine (emoji and other scripts included, as in Tyk) except what cannot be
 * stored, addressed or read back as written: lone surrogates, '/', '?', '#',
 * whitespace, control characters and the invisible marks that reorder text on
 * screen (so one id cannot be made to look like another in a listing or a log).
 */

const unsafeInUrl = /[/?#\s]/;
// Control characters (C0, DEL, C1), then the bidi marks, embeddings, overrides and isolates.
const invisible = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** Why no store can hold a document of `kind` under `id` (its storage key is too long or not valid Unicode), or null. */
export function storeKeyError(kind: DocumentKind, id: string): string | null {
  if (hasLoneSurrogate(id)) return "must be valid Unicode text (it has a lone surrogate)";
  const bytes = utf8(storageKey(kind, id)).byteLength;
  return bytes > maxStoreKeyBytes ? `is too long: ${bytes} bytes as a storage key, over the store's limit of ${maxStoreKeyBytes}` : null;
}

/** Whether a document of `kind` may exist under `id`, so reading or deleting it is worth a trip to the store. */
export function isStorable(kind: DocumentKind, id: string): boolean {
  return storeKeyError(kind, id) === null;
}

/** Why `id` cannot name a new API definition or policy, or null. */
export function idError(kind: DocumentKind, id: string): string | null {
  if (id === "") return "must not be empty";
  if (unsafeInUrl.test(id)) return "must not contain '/', '?', '#' or spaces";
  if (invisible.test(id)) return "must not contain control characters or bidirectional text marks";
  return storeKeyError(kind, id);
}

/** An id for a message: quoted, and cut short when it is long. */
export function quoteId(id: string): string {
  return JSON.stringify(id.length > 64 ? `${id.slice(0, 64)}…` : id);
}
