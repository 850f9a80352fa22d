import { describe, expect, it } from "vitest";
import { maxXmlDepth, parseXml, XmlParseError } from "../../src/template/xml";

// Expected shapes are what mxj.NewMapXml (Tyk's XML input) gives for the same documents.
describe("XML bodies in mxj's shape", () => {
  it("makes the root element the one key, text-only elements strings, empty elements empty strings", () => {
    expect(parseXml("<order><id>7</id><note/><blank></blank></order>")).toEqual({ order: { id: "7", note: "", blank: "" } });
  });

  it("turns repeated elements into a list, in document order", () => {
    expect(parseXml("<list><item>a</item><other>x</other><item>b</item><item>c</item></list>")).toEqual({ list: { item: ["a", "b", "c"], other: "x" } });
  });

  it("writes attributes as -name keys and text beside them as #text", () => {
    expect(parseXml('<a id="1" xml:lang="en"><b k=\'v\'>text</b><c x="y"/></a>')).toEqual({
      a: { "-id": "1", "-lang": "en", b: { "-k": "v", "#text": "text" }, c: { "-x": "y" } },
    });
  });

  it("keeps mixed content's text as #text, trimmed, and keeps every value a string", () => {
    expect(parseXml("<p>\n  hello <b>1</b>  </p>")).toEqual({ p: { b: "1", "#text": "hello" } });
    expect(parseXml("<n>  42 </n>")).toEqual({ n: "42" });
  });

  it("decodes the five predefined entities, numeric references and CDATA", () => {
    expect(parseXml("<t>&lt;&gt;&amp;&apos;&quot; &#65;&#x42; <![CDATA[<raw>&amp;]]></t>")).toEqual({ t: "<raw>&amp;" });
    expect(parseXml("<t>&lt;&gt;&amp;&apos;&quot; &#65;&#x42;</t>")).toEqual({ t: "<>&'\" AB" });
    expect(parseXml('<t a="&amp;&#x41;"/>')).toEqual({ t: { "-a": "&A" } });
  });

  it("drops namespace prefixes, comments, processing instructions and the XML declaration", () => {
    expect(parseXml('<?xml version="1.0" encoding="UTF-8"?><!-- c --><s:Envelope xmlns:s="urn:x"><s:Body>b<?pi x?></s:Body></s:Envelope>')).toEqual({
      Envelope: { "-s": "urn:x", Body: "b" },
    });
  });

  it.each([
    ['<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>', "a DTD or other <! declaration is not accepted"],
    ["<x>&e;</x>", "invalid character entity &e;"],
    ["<x>&#0;</x>", "invalid character entity &#0;"],
    ["<a><b></a>", "element <b> closed by </a>"],
    ["<a>", "unexpected EOF"],
    ["<a x=1/>", "unquoted or missing attribute value"],
    ['<?xml version="1.0" encoding="ISO-8859-1"?><a/>', "unsupported encoding iso-8859-1"],
    ["just text", "EOF"],
  ])("refuses %s", (xml, reason) => {
    expect(() => parseXml(xml)).toThrow(XmlParseError);
    expect(() => parseXml(xml)).toThrow(reason);
  });

  it("refuses elements nested deeper than the bound", () => {
    const deep = "<a>".repeat(maxXmlDepth + 1) + "</a>".repeat(maxXmlDepth + 1);
    expect(() => parseXml(deep)).toThrow(`elements nested deeper than ${maxXmlDepth}`);
    const fine = "<a>".repeat(maxXmlDepth) + "</a>".repeat(maxXmlDepth);
    expect(() => parseXml(fine)).not.toThrow();
  });
});
