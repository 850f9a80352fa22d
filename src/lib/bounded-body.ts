import { concatBytes } from "./encoding";

/*
 * Request bodies held to a byte limit without trusting what the client
 * declared: a body streamed past its limit is cut off with the caller's error,
 * so neither the gateway nor the upstream ever holds more than the limit.
 */

/**
 * Counts the bytes of a stream as they pass and errors the stream with
 * `overflow()` once they exceed `maxBytes`. The error is also kept in
 * `overflowed`: a runtime that sends the stream on (fetch) may report a failed
 * body as its own error, and the caller then still knows what happened.
 */
export class ByteCap {
  overflowed: unknown;
  private seen = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly overflow: () => unknown,
  ) {}

  wrap(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
    return body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform: (chunk, controller) => {
          this.seen += chunk.byteLength;
          if (this.seen > this.maxBytes) {
            this.overflowed ??= this.overflow();
            controller.error(this.overflowed);
            return;
          }
          controller.enqueue(chunk);
        },
      }),
    );
  }
}

/**
 * Reads a whole body into memory, refusing with `overflow()` (thrown) as soon
 * as it passes `maxBytes`; what was read so far is dropped and the rest of the
 * stream is cancelled, never read.
 */
export async function readBounded(body: ReadableStream<Uint8Array> | null, maxBytes: number, overflow: () => unknown): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > maxBytes) {
      const error = overflow();
      await reader.cancel(error).catch(() => undefined);
      throw error;
    }
    chunks.push(value);
  }
  return concatBytes(chunks, length);
}

/**
 * The body as a stream of known length. workerd sends a stream of unknown
 * length chunked, whatever Content-Length says; one of known length keeps the
 * request's framing, and a body cut off on the way then reaches the upstream
 * as a dropped connection, never as a complete shorter body.
 */
export function withLength(body: ReadableStream<Uint8Array>, length: number): ReadableStream<Uint8Array> {
  const fixed = new FixedLengthStream(length);
  // The failure shows on the returned stream; the pipe's own promise adds nothing.
  body.pipeTo(fixed.writable).catch(() => undefined);
  return fixed.readable as ReadableStream<Uint8Array>;
}

/** A stream of these bytes (of known length), for a body that was read and must still reach the upstream. */
export function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new Response(bytes).body as ReadableStream<Uint8Array>;
}

/** Reads at most `maxBytes` from the stream, then cancels the rest of it. */
export async function readPrefix(stream: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array> {
  if (!stream || maxBytes === 0) {
    await stream?.cancel();
    return new Uint8Array(0);
  }
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value.subarray(0, maxBytes - length));
      length += Math.min(value.byteLength, maxBytes - length);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return concatBytes(chunks, length);
}
