/*
 * Go's text/template JSEscapeString, which both Tyk's templates (`js`) and its
 * error override bodies use: one implementation, so the two agree.
 */

const named: Record<string, string> = { "\\": "\\\\", "'": "\\'", '"': '\\"', "<": "\\u003C", ">": "\\u003E", "&": "\\u0026", "=": "\\u003D" };

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space, nothing else. */
const printable = /[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u;

const hex4 = (code: number): string => `\\u${code.toString(16).toUpperCase().padStart(4, "0")}`;

export function goJsEscape(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const escaped = named[char];
    if (escaped !== undefined) out += escaped;
    else if (code < 0x20) out += hex4(code);
    else if (code < 0x80 || printable.test(char)) out += char;
    else out += hex4(code);
  }
  return out;
}
