/*
 * Why a JSON text does not parse, worded as Go's encoding/json Decoder words
 * it ("invalid character 'o' in literal null (expecting 'u')", "unexpected
 * EOF", "EOF"), because Tyk puts that text into its error answers and clients
 * match on it. JSON.parse only says that a text is invalid; this scanner,
 * run on a failed parse, says why, in Go's terms.
 */

class UnexpectedEnd {}

class InvalidCharacter {
  constructor(readonly message: string) {}
}

const whitespace = new Set([" ", "\t", "\r", "\n"]);
const simpleEscapes = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);
const goEscapes: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f", "\v": "\\v", "\x07": "\\a" };

/** Go's quoteChar: the scanner reads bytes, so a non-ASCII character shows as its first UTF-8 byte. */
export function goQuoteChar(char: string): string {
  if (char === "'") return "'\\''";
  if (char === '"') return "'\"'";
  const code = char.codePointAt(0) ?? 0;
  const byte = code < 0x80 ? code : (new TextEncoder().encode(char)[0] ?? 0);
  if (goEscapes[char]) return `'${goEscapes[char]}'`;
  if (byte < 0x20 || byte === 0x7f) return `'\\x${byte.toString(16).padStart(2, "0")}'`;
  // Latin-1 C1 controls and the soft hyphen are not printable for strconv.Quote.
  if ((byte >= 0x80 && byte < 0xa0) || byte === 0xad) return `'\\u00${byte.toString(16).padStart(2, "0")}'`;
  return `'${String.fromCharCode(byte)}'`;
}

class Scanner {
  private at = 0;

  constructor(private readonly text: string) {}

  /** Go's Decoder message for the first syntax error, or null when the text is one JSON value. */
  check(): string | null {
    this.skipWhitespace();
    if (this.at >= this.text.length) return "EOF";
    try {
      this.value();
      this.skipWhitespace();
      if (this.at < this.text.length) this.fail("after top-level value");
      return null;
    } catch (error) {
      if (error instanceof UnexpectedEnd) return "unexpected EOF";
      if (error instanceof InvalidCharacter) return error.message;
      throw error;
    }
  }

  private peek(): string {
    const char = this.text[this.at];
    if (char === undefined) throw new UnexpectedEnd();
    return char;
  }

  private next(): string {
    const char = this.peek();
    this.at += 1;
    return char;
  }

  private fail(context: string): never {
    const char = String.fromCodePoint(this.text.codePointAt(this.at) ?? 0);
    throw new InvalidCharacter(`invalid character ${goQuoteChar(char)} ${context}`);
  }

  private skipWhitespace(): void {
    while (this.at < this.text.length && whitespace.has(this.text[this.at]!)) this.at += 1;
  }

  private value(): void {
    const char = this.peek();
    if (char === "{") this.object();
    else if (char === "[") this.array();
    else if (char === '"') this.string();
    else if (char === "-" || (char >= "0" && char <= "9")) this.number();
    else if (char === "t") this.literal("true");
    else if (char === "f") this.literal("false");
    else if (char === "n") this.literal("null");
    else this.fail("looking for beginning of value");
  }

  private object(): void {
    this.at += 1;
    this.skipWhitespace();
    if (this.peek() === "}") {
      this.at += 1;
      return;
    }
    for (;;) {
      if (this.peek() !== '"') this.fail("looking for beginning of object key string");
      this.string();
      this.skipWhitespace();
      if (this.peek() !== ":") this.fail("after object key");
      this.at += 1;
      this.skipWhitespace();
      this.value();
      this.skipWhitespace();
      const separator = this.peek();
      if (separator === "}") {
        this.at += 1;
        return;
      }
      if (separator !== ",") this.fail("after object key:value pair");
      this.at += 1;
      this.skipWhitespace();
    }
  }

  private array(): void {
    this.at += 1;
    this.skipWhitespace();
    if (this.peek() === "]") {
      this.at += 1;
      return;
    }
    for (;;) {
      this.value();
      this.skipWhitespace();
      const separator = this.peek();
      if (separator === "]") {
        this.at += 1;
        return;
      }
      if (separator !== ",") this.fail("after array element");
      this.at += 1;
      this.skipWhitespace();
    }
  }

  private string(): void {
    this.at += 1;
    for (;;) {
      const char = this.peek();
      if (char === '"') {
        this.at += 1;
        return;
      }
      if (char < " ") this.fail("in string literal");
      this.at += 1;
      if (char === "\\") this.escape();
    }
  }

  private escape(): void {
    const char = this.peek();
    if (simpleEscapes.has(char)) {
      this.at += 1;
      return;
    }
    if (char !== "u") this.fail("in string escape code");
    this.at += 1;
    for (let digit = 0; digit < 4; digit += 1) {
      if (!/[0-9a-fA-F]/.test(this.peek())) this.fail("in \\u hexadecimal character escape");
      this.at += 1;
    }
  }

  private digits(): void {
    while (this.at < this.text.length && /[0-9]/.test(this.text[this.at]!)) this.at += 1;
  }

  private number(): void {
    if (this.peek() === "-") {
      this.at += 1;
      if (!/[0-9]/.test(this.peek())) this.fail("in numeric literal");
    }
    // A leading zero ends the integer part: "01" is the value 0 followed by a stray "1".
    if (this.next() !== "0") this.digits();
    if (this.text[this.at] === ".") {
      this.at += 1;
      if (!/[0-9]/.test(this.peek())) this.fail("after decimal point in numeric literal");
      this.digits();
    }
    if (this.text[this.at] === "e" || this.text[this.at] === "E") {
      this.at += 1;
      if (this.peek() === "+" || this.peek() === "-") this.at += 1;
      if (!/[0-9]/.test(this.peek())) this.fail("in exponent of numeric literal");
      this.digits();
    }
  }

  private literal(word: string): void {
    this.at += 1;
    for (const expected of word.slice(1)) {
      if (this.peek() !== expected) this.fail(`in literal ${word} (expecting '${expected}')`);
      this.at += 1;
    }
  }
}

/** Go's Decoder message for why `text` is not one JSON value, or null when it is. */
export function goJsonSyntaxError(text: string): string | null {
  return new Scanner(text).check();
}
