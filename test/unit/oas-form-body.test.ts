import { describe, expect, it } from "vitest";
import { decodeFormBody } from "../../src/lib/openapi-form";

/* A form body as kin-openapi decodes it for validateRequest (src/lib/openapi-form.ts). */

const schema = {
  type: "object",
  properties: {
    name: { type: "string" },
    age: { type: "integer" },
    ok: { type: "boolean" },
    tags: { type: "array", items: { type: "string" } },
    ids: { type: "array", items: { type: "number" } },
    free: {},
  },
};

describe("decodeFormBody", () => {
  it("keeps only the schema's properties, coerced by type; empty and absent fields are left out", () => {
    expect(decodeFormBody("name=A+b%21&age=7&ok=t&tags=x&tags=y&ids=1.5&free=z&other=1&empty=", schema, undefined)).toEqual({
      ok: true,
      value: { name: "A b!", age: 7, ok: true, tags: ["x", "y"], ids: [1.5], free: "z" },
    });
    expect(decodeFormBody("age=", schema, undefined)).toEqual({ ok: true, value: {} });
  });

  it("splits an array field by the media type's encoding when it is not exploded", () => {
    const encoding = { tags: { style: "pipeDelimited", explode: false }, ids: { explode: false } };
    expect(decodeFormBody("tags=a|b&ids=1,2", schema, encoding)).toEqual({ ok: true, value: { tags: ["a", "b"], ids: [1, 2] } });
  });

  it("says why a field does not decode", () => {
    expect(decodeFormBody("ok=maybe", schema, undefined)).toEqual({ ok: false, reason: "value maybe: an invalid boolean: invalid syntax" });
    expect(decodeFormBody("ids=1&ids=x", schema, undefined)).toEqual({ ok: false, reason: "path 1: value x: an invalid number: invalid syntax" });
  });

  it("refuses schemas kin-openapi cannot decode a form into", () => {
    expect(decodeFormBody("a=1", { type: "string" }, undefined)).toEqual({ ok: false, reason: "unsupported schema of request body" });
    const nested = { type: "object", properties: { address: { type: "object" }, list: { type: "array", items: { type: "object" } } } };
    expect(decodeFormBody("a=1", nested, undefined)).toEqual({ ok: false, reason: 'unsupported schema of request body\'s property "address"' });
  });
});
