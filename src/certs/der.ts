/*
 * A small DER reader: just enough ASN.1 to walk an X.509 certificate. Every
 * length is checked against the bytes that hold it, so a truncated or forged
 * encoding fails with a DerError instead of reading past its end; indefinite
 * lengths and high tag numbers (which DER certificates never use) are refused.
 */

export class DerError extends Error {
  override name = "DerError";
}

/** One TLV: `tag` is the identifier byte, the encoding is bytes[start, end), its content bytes[contentStart, end). */
export interface DerNode {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

export const tags = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  oid: 0x06,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/** The node starting at `offset`, which must end at or before `limit`. */
export function readNode(bytes: Uint8Array, offset: number, limit = bytes.length): DerNode {
  if (offset + 2 > limit) throw new DerError("truncated header");
  const tag = bytes[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError("high tag numbers are not DER certificate syntax");
  let length = bytes[offset + 1]!;
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    // Four length bytes already allow 4 GiB; indefinite length (0x80) is BER, not DER.
    if (count === 0 || count > 4) throw new DerError("unsupported length encoding");
    if (contentStart + count > limit) throw new DerError("truncated length");
    length = 0;
    for (let index = 0; index < count; index++) length = length * 256 + bytes[contentStart + index]!;
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new DerError("content runs past its container");
  return { tag, start: offset, contentStart, end };
}

/** A node that must have the given tag. */
export function expectNode(bytes: Uint8Array, offset: number, tag: number, limit?: number): DerNode {
  const node = readNode(bytes, offset, limit);
  if (node.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}, found 0x${node.tag.toString(16)}`);
  return node;
}

/** The nodes inside a constructed node, in order. */
export function childrenOf(bytes: Uint8Array, parent: DerNode): DerNode[] {
  const children: DerNode[] = [];
  for (let offset = parent.contentStart; offset < parent.end; ) {
    const child = readNode(bytes, offset, parent.end);
    children.push(child);
    offset = child.end;
  }
  return children;
}

export function contentOf(bytes: Uint8Array, node: DerNode): Uint8Array {
  return bytes.subarray(node.contentStart, node.end);
}

/** The whole encoding of a node, header included. */
export function encodingOf(bytes: Uint8Array, node: DerNode): Uint8Array {
  return bytes.subarray(node.start, node.end);
}
