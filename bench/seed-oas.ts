import { smallPath } from "./upstream";

/*
 * The bench's Tyk OAS APIs, stored as OAS documents (as the Gateway API
 * stores them): a keyless twin of the classic keyless API, and a keyless API
 * whose POST on the bench endpoint has validateRequest on a 1 KB JSON body,
 * with its twin that does not validate.
 */

export const oasKeylessListenPath = "/oas-keyless";
export const oasValidateListenPath = "/oas-validate";
export const oasPlainListenPath = "/oas-plain";
/** A versioned base whose version "v2" (header x-api-version) is an internal keyless API. */
export const oasVersionedListenPath = "/oas-versioned";

/** A 1 KB JSON order: 13 line items. */
export const validatedRequestBody = JSON.stringify({
  order: { id: "bench-order", customer: { name: "Bench Customer", tier: "gold" } },
  items: Array.from({ length: 13 }, (_, index) => ({
    sku: `SKU-${String(index).padStart(5, "0")}`,
    name: `Item number ${index}`,
    qty: (index % 7) + 1,
    price: 9.99 + index,
  })),
});

const orderSchema = {
  type: "object",
  required: ["order", "items"],
  properties: {
    order: {
      type: "object",
      required: ["id", "customer"],
      properties: {
        id: { type: "string", minLength: 1 },
        customer: { type: "object", properties: { name: { type: "string" }, tier: { type: "string", enum: ["gold", "silver", "bronze"] } } },
      },
    },
    items: {
      type: "array",
      maxItems: 100,
      items: {
        type: "object",
        required: ["sku", "qty"],
        properties: {
          sku: { type: "string", pattern: "^SKU-[0-9]{5}$" },
          name: { type: "string" },
          qty: { type: "integer", minimum: 1 },
          price: { type: "number" },
        },
      },
    },
  },
};

function oasDocument(id: string, listenPath: string, upstreamOrigin: string, validate: boolean | undefined): Record<string, unknown> {
  const post =
    validate === undefined
      ? {}
      : {
          post: {
            operationId: "placeOrder",
            requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/Order" } } } },
            responses: { "200": { description: "ok" } },
          },
        };
  return {
    openapi: "3.0.3",
    info: { title: id, version: "1.0.0" },
    paths: { [smallPath]: { get: { operationId: "small", responses: { "200": { description: "ok" } } }, ...post } },
    components: { schemas: { Order: orderSchema } },
    "x-tyk-api-gateway": {
      info: { id, name: id, state: { active: true } },
      upstream: { url: upstreamOrigin },
      server: { listenPath: { value: `${listenPath}/`, strip: true } },
      ...(validate === undefined ? {} : { middleware: { operations: { placeOrder: { validateRequest: { enabled: validate } } } } }),
    },
  };
}

function versionedBase(upstreamOrigin: string): Record<string, unknown> {
  const document = oasDocument("bench-oas-versioned", oasVersionedListenPath, upstreamOrigin, undefined);
  const tyk = document["x-tyk-api-gateway"] as { info: Record<string, unknown> };
  tyk.info.versioning = {
    enabled: true,
    name: "v1",
    default: "v1",
    location: "header",
    key: "x-api-version",
    versions: [{ name: "v2", id: "bench-oas-versioned-v2" }],
  };
  return document;
}

function versionedChild(upstreamOrigin: string): Record<string, unknown> {
  const document = oasDocument("bench-oas-versioned-v2", `${oasVersionedListenPath}-v2`, upstreamOrigin, undefined);
  (document["x-tyk-api-gateway"] as { info: { state: Record<string, unknown> } }).info.state.internal = true;
  return document;
}

/** The OAS APIs as [api id, stored document]. */
export function oasApis(upstreamOrigin: string): [string, Record<string, unknown>][] {
  return [
    ["bench-oas-keyless", oasDocument("bench-oas-keyless", oasKeylessListenPath, upstreamOrigin, undefined)],
    ["bench-oas-validate", oasDocument("bench-oas-validate", oasValidateListenPath, upstreamOrigin, true)],
    ["bench-oas-plain", oasDocument("bench-oas-plain", oasPlainListenPath, upstreamOrigin, false)],
    ["bench-oas-versioned", versionedBase(upstreamOrigin)],
    ["bench-oas-versioned-v2", versionedChild(upstreamOrigin)],
  ];
}
