import fc from "fast-check";

/*
 * Text an attacker or a careless operator sends: names of inherited
 * JavaScript properties, characters beyond Latin-1, lone surrogates, bidi and
 * zero-width marks, control characters, URL syntax, and lengths around the
 * limits of stores and URLs.
 */

/** Property names every plain object inherits (and `__proto__`, which is its prototype). */
export const inheritedNames = [
  "toString",
  "constructor",
  "hasOwnProperty",
  "__proto__",
  "valueOf",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "__defineGetter__",
  "__lookupSetter__",
] as const;

const awkward = [
  "ключ",
  "é",
  "🔑",
  "\u202eevil",
  "a\u200bb",
  "\ufeff",
  "\ud800",
  "x\udfffy",
  "\u0000",
  "\u0007\u001b[31m",
  "\uffff",
  "e\u0301",
  "%00",
  "%2F..%2F",
  "../..",
  "a/b",
  "a?b#c",
  "a b",
  "\\",
  '"',
  "'",
  "<script>",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the text itself is the hostile input
  "${x}",
  "$tyk_context.headers_X",
  "*",
  ".*",
  "",
  " ",
  "null",
  "true",
  "0",
  "-1",
  "1e309",
  "NaN",
] as const;

/** How UTF-8 bytes of a header look to the Worker: one Latin-1 character per byte. */
export function asLatin1Bytes(text: string): string {
  return String.fromCharCode(...new TextEncoder().encode(text));
}

const isControl = (char: string) => (char < " " && char !== "\t") || char === "\u007f";

/** Control characters (but tab) are refused by the Headers API (NUL, CR, LF) or by the upstream's HTTP parser (the rest). */
const withoutControls = (text: string) => [...text].filter((char) => !isControl(char)).join("");

const asciiChar = fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code));
const latin1Char = fc.integer({ min: 0x20, max: 0xff }).map((code) => String.fromCharCode(code === 0x7f ? 0x7e : code));

/** One of the lengths around storage and URL limits. */
const longLength = fc.constantFrom(256, 511, 512, 513, 1024, 2049, 8192);

export const longText = fc.tuple(fc.constantFrom("a", "é", "🔑", "/", "%"), longLength).map(([char, length]) => char.repeat(length));

/** Any text, weighted towards the troublesome. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...inheritedNames, ...awkward), weight: 4 },
  { arbitrary: fc.string({ maxLength: 24 }), weight: 3 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 12 }), weight: 2 },
  { arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }), weight: 1 },
  { arbitrary: fc.constantFrom(...awkward).map(asLatin1Bytes), weight: 1 },
  { arbitrary: longText, weight: 1 },
  { arbitrary: fc.tuple(fc.constantFrom(...inheritedNames, ...awkward), fc.string({ maxLength: 6 })).map(([a, b]) => a + b), weight: 2 },
);

/** Ids (API, policy, key, org): mostly well-formed, often hostile. */
export const hostileId: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), weight: 3 },
  { arbitrary: hostileText, weight: 4 },
);

/** A header value that crosses the proxy: Latin-1 without control characters (raw bytes on the wire become Latin-1). */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  // Mostly ASCII: workerd prints a warning for every non-ASCII header value a test sends.
  { arbitrary: fc.string({ unit: asciiChar, maxLength: 40 }), weight: 6 },
  { arbitrary: fc.string({ unit: latin1Char, maxLength: 40 }), weight: 1 },
  { arbitrary: fc.constantFrom(...awkward, ...inheritedNames).map((text) => withoutControls(asLatin1Bytes(text))), weight: 2 },
  { arbitrary: longText.map(asLatin1Bytes), weight: 1 },
);

/** A credential the gateway must refuse before the upstream sees it: control characters allowed (but NUL, CR, LF). */
export const credentialText: fc.Arbitrary<string> = fc
  .oneof(
    { arbitrary: headerValue, weight: 3 },
    { arbitrary: fc.string({ unit: fc.integer({ min: 1, max: 0xff }).map((code) => String.fromCharCode(code)), maxLength: 24 }), weight: 1 },
  )
  .map((text) => [...text].filter((char) => char !== "\u0000" && char !== "\r" && char !== "\n").join(""));

const tokenChar = fc.constantFrom(..."!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

/** An HTTP token (header name, method). */
export const token = (maxLength = 20): fc.Arbitrary<string> => fc.string({ unit: tokenChar, minLength: 1, maxLength });
