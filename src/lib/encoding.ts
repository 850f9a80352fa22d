/* Byte and text encodings shared by keys, signatures and analytics. */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const strictBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

export function base64FromBytes(bytes: Uint8Array): string {
  let binary = "";
  // Chunked: spreading a large array into fromCharCode overflows the call stack.
  for (let offset = 0; offset < bytes.byteLength; offset += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000));
  }
  return btoa(binary);
}

/** Base64 of the UTF-8 bytes, so any text encodes (plain `btoa` throws beyond Latin-1). */
export function base64FromText(text: string): string {
  return base64FromBytes(utf8(text));
}

/** Standard base64 only (padding required); null when the text is not that. */
export function bytesFromBase64(text: string): Uint8Array | null {
  if (!strictBase64.test(text)) return null;
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

/** Lenient decoding for base64url and unpadded input (JWT segments); null when it does not decode. */
export function bytesFromBase64Url(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}

const hexOfByte = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/** Lower-case hex; a table and one string, as this runs for every request's trace ids and key digests. */
export function hex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let text = "";
  for (let index = 0; index < view.length; index++) text += hexOfByte[view[index]!];
  return text;
}

/** The chunks of a stream as one array of `length` bytes. */
export function concatBytes(chunks: readonly Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.byteLength === length) return chunks[0]!;
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
