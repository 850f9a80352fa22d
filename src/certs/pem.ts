import { base64FromBytes, bytesFromBase64 } from "../lib/encoding";

/*
 * PEM (RFC 7468): base64 between `-----BEGIN <label>-----` and
 * `-----END <label>-----`. Text outside the blocks is ignored, as Go's
 * pem.Decode does; encrypted blocks (with `Proc-Type` headers) are refused.
 */

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

export type PemRead = { ok: true; blocks: PemBlock[] } | { ok: false; reason: string };

const blockPattern = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
/** More blocks than any certificate chain carries: the rest of an upload is not read. */
export const maxPemBlocks = 16;

export function readPem(text: string): PemRead {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(blockPattern)) {
    const [, label, body, endLabel] = match as unknown as [string, string, string, string];
    if (label !== endLabel) return { ok: false, reason: `PEM block "${label}" ends with "${endLabel}"` };
    if (body.includes(":")) return { ok: false, reason: `PEM block "${label}" has headers (encrypted PEM is not supported)` };
    const der = bytesFromBase64(body.replace(/\s+/g, ""));
    if (!der || der.length === 0) return { ok: false, reason: `PEM block "${label}" is not valid base64` };
    blocks.push({ label, der });
    if (blocks.length > maxPemBlocks) return { ok: false, reason: `more than ${maxPemBlocks} PEM blocks` };
  }
  return { ok: true, blocks };
}

export function writePem(label: string, der: Uint8Array): string {
  const lines = base64FromBytes(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
