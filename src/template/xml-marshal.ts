import { formatValue } from "./format";
import { type GoMap, type GoValue, isMap, sortedKeys, TemplateExecError } from "./values";

/*
 * Tyk's `xmlMarshal` (mxj's Map.Xml with character escaping on): a map with
 * one key becomes that element, any other map is wrapped in `<doc>`; `-name`
 * keys are attributes and `#text` the element's text; elements and
 * attributes are written in sorted order; empty elements as `<x/>`.
 */

const escapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
const escapeXml = (text: string) => text.replace(/[&<>"']/g, (char) => escapes[char]!);

const isAttribute = (key: string) => key.length > 1 && key.startsWith("-");

function scalarText(value: GoValue): string {
  return typeof value === "string" ? escapeXml(value) : formatValue(value);
}

function element(key: string, value: GoValue): string {
  if (Array.isArray(value)) return value.length === 0 ? `<${key}/>` : value.map((item) => element(key, item)).join("");
  if (value === null || value === undefined) return `<${key}/>`;
  if (!isMap(value)) {
    const text = scalarText(value);
    return text === "" ? `<${key}/>` : `<${key}>${text}</${key}>`;
  }
  const keys = sortedKeys(value);
  const attributes = keys.filter(isAttribute).map((name) => {
    const attribute = value[name];
    if (typeof attribute === "object" && attribute !== null) throw new TemplateExecError(`error calling xmlMarshal: invalid attribute value for: ${name}`);
    return ` ${name.slice(1)}="${scalarText(attribute)}"`;
  });
  const children = keys.filter((name) => !isAttribute(name) && name !== "#text");
  const text = Object.hasOwn(value, "#text") ? scalarText(value["#text"]) : "";
  if (children.length === 0 && !Object.hasOwn(value, "#text")) return `<${key}${attributes.join("")}/>`;
  return `<${key}${attributes.join("")}>${text}${children.map((name) => element(name, value[name])).join("")}</${key}>`;
}

export function xmlMarshal(value: GoValue): string {
  if (isMap(value)) {
    const keys = Object.keys(value);
    const [only] = keys;
    if (keys.length === 1 && only !== undefined) {
      const inner = value[only];
      // A list of anything but maps would leave no element to hold it: mxj then wraps the map in <doc>.
      if (!Array.isArray(inner) || inner.every(isMap)) return element(only, inner);
    }
    return element("doc", value as GoMap);
  }
  // encoding/xml names a bare value's element after its type.
  if (typeof value === "string") return `<string>${escapeXml(value)}</string>`;
  if (typeof value === "number") return `<float64>${formatValue(value)}</float64>`;
  if (typeof value === "boolean") return `<bool>${value}</bool>`;
  if (typeof value === "bigint") return `<int>${value}</int>`;
  if (value === null || value === undefined) return "";
  throw new TemplateExecError("error calling xmlMarshal: xml: unsupported type: []interface {}");
}
