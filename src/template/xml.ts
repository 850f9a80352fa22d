import type { GoMap, GoValue } from "./values";

/*
 * XML bodies in the shape Tyk gives templates (mxj's NewMapXml): the root
 * element is the map's one key; attributes are `-name` keys; an element with
 * only text is that string, with attributes or children its text is `#text`;
 * a repeated element becomes a list; every value is a string; an empty
 * element is "". Names lose their namespace prefix, as in Go's decoder.
 *
 * Deliberately small and strict: the five predefined entities and numeric
 * references only, no DTD (a `<!DOCTYPE` is refused, so no entity expansion
 * and no external entities), UTF-8 only, nesting bounded.
 */

export class XmlParseError extends Error {
  override name = "XmlParseError";
}

export const maxXmlDepth = 256;

const predefined: Record<string, string> = { lt: "<", gt: ">", amp: "&", apos: "'", quot: '"' };
const namePattern = /[A-Za-z_:\u00C0-\uFFFF][\w.\-:\u00B7\u00C0-\uFFFF]*/y;
// mxj trims these from each run of text, and drops a run that is left empty.
const trimmed = (text: string) => text.replace(/^[\t\r\b\n ]+|[\t\r\b\n ]+$/g, "");

function decodeEntities(text: string, offset: number): string {
  return text.replace(/&([^;&<]*);?/g, (whole, entity: string) => {
    if (!whole.endsWith(";")) throw new XmlParseError(`XML syntax error at ${offset}: invalid character entity ${whole}`);
    const named = predefined[entity];
    if (named !== undefined) return named;
    const numeric = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(entity);
    if (numeric) {
      const code = numeric[1]!.startsWith("x") ? Number.parseInt(numeric[1]!.slice(1), 16) : Number(numeric[1]);
      if (code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)) return String.fromCodePoint(code);
    }
    throw new XmlParseError(`XML syntax error at ${offset}: invalid character entity ${whole}`);
  });
}

const localName = (name: string) => name.slice(name.indexOf(":") + 1);

class XmlReader {
  private at = 0;

  constructor(private readonly source: string) {}

  private fail(message: string): never {
    throw new XmlParseError(`XML syntax error at ${this.at}: ${message}`);
  }

  private name(): string {
    namePattern.lastIndex = this.at;
    const match = namePattern.exec(this.source);
    if (!match) this.fail("expected element name");
    this.at = namePattern.lastIndex;
    return match[0];
  }

  private skipSpace(): void {
    while (/[ \t\r\n]/.test(this.source[this.at] ?? "")) this.at++;
  }

  private skipPast(marker: string, what: string): string {
    const end = this.source.indexOf(marker, this.at);
    if (end < 0) this.fail(`unexpected EOF in ${what}`);
    const skipped = this.source.slice(this.at, end);
    this.at = end + marker.length;
    return skipped;
  }

  /** Comments, processing instructions and the XML declaration; a DTD is refused. Returns false at anything else. */
  private skipMarkup(): boolean {
    if (this.source.startsWith("<!--", this.at)) {
      this.at += 4;
      this.skipPast("-->", "comment");
    } else if (this.source.startsWith("<?", this.at)) {
      this.at += 2;
      const instruction = this.skipPast("?>", "processing instruction");
      const encoding = /^xml\s[\s\S]*encoding\s*=\s*["']([^"']*)["']/.exec(instruction)?.[1]?.toLowerCase();
      if (encoding && encoding !== "utf-8" && encoding !== "us-ascii") this.fail(`unsupported encoding ${encoding}`);
    } else if (this.source.startsWith("<!", this.at) && !this.source.startsWith("<![CDATA[", this.at)) {
      this.fail("a DTD or other <! declaration is not accepted");
    } else {
      return false;
    }
    return true;
  }

  /** The document's root element as `{ name: value }`. */
  document(): GoMap {
    for (;;) {
      const open = this.source.indexOf("<", this.at);
      if (open < 0) throw new XmlParseError("EOF");
      this.at = open;
      if (this.skipMarkup()) continue;
      this.at++;
      const name = this.name();
      return { [localName(name)]: this.element(name, 1) };
    }
  }

  private attributes(into: GoMap): boolean {
    for (;;) {
      this.skipSpace();
      if (this.source.startsWith("/>", this.at)) {
        this.at += 2;
        return true;
      }
      if (this.source[this.at] === ">") {
        this.at++;
        return false;
      }
      const name = this.name();
      this.skipSpace();
      if (this.source[this.at] !== "=") this.fail(`attribute name without = in element`);
      this.at++;
      this.skipSpace();
      const quote = this.source[this.at];
      if (quote !== '"' && quote !== "'") this.fail("unquoted or missing attribute value in element");
      this.at++;
      const start = this.at;
      const raw = this.skipPast(quote, "attribute value");
      if (raw.includes("<")) this.fail("unescaped < inside quoted string");
      into[`-${localName(name)}`] = decodeEntities(raw, start);
    }
  }

  /** Parses an element's attributes and content, just after its name; returns its mxj value. */
  private element(name: string, depth: number): GoValue {
    if (depth > maxXmlDepth) this.fail(`elements nested deeper than ${maxXmlDepth}`);
    const children: GoMap = {};
    if (this.attributes(children)) return Object.keys(children).length > 0 ? children : "";
    let simple: string | undefined;
    const addText = (text: string) => {
      const value = trimmed(text);
      if (value === "") return;
      if (Object.keys(children).length > 0) children["#text"] = value;
      else simple = value;
    };
    for (;;) {
      const open = this.source.indexOf("<", this.at);
      if (open < 0) this.fail("unexpected EOF");
      addText(decodeEntities(this.source.slice(this.at, open), this.at).replace(/\r\n?/g, "\n"));
      this.at = open;
      if (this.source.startsWith("<![CDATA[", this.at)) {
        this.at += 9;
        addText(this.skipPast("]]>", "CDATA section"));
      } else if (this.skipMarkup()) {
        // a comment or processing instruction between text runs
      } else if (this.source.startsWith("</", this.at)) {
        this.at += 2;
        const closing = this.name();
        this.skipSpace();
        if (this.source[this.at] !== ">") this.fail(`invalid characters between </${closing} and >`);
        this.at++;
        if (closing !== name) this.fail(`element <${name}> closed by </${closing}>`);
        break;
      } else {
        this.at++;
        const childName = this.name();
        const key = localName(childName);
        const value = this.element(childName, depth + 1);
        const existing = children[key];
        // An element's own value is never a list, so a list here is the one built for a repeated name.
        if (existing === undefined) children[key] = value;
        else if (Array.isArray(existing)) existing.push(value);
        else children[key] = [existing, value];
      }
    }
    const hasMap = Object.keys(children).length > 0;
    if (simple === undefined) return hasMap ? children : "";
    if (!hasMap) return simple;
    // Text read before any attribute or child ends up as #text over any later text, as in mxj.
    children["#text"] = simple;
    return children;
  }
}

/** Parses an XML document into mxj's map; throws XmlParseError. */
export function parseXml(text: string): GoMap {
  return new XmlReader(text).document();
}
