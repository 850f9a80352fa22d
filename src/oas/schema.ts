import * as z from "zod";
import { extensionSchema } from "./schema-extension";

/*
 * An OpenAPI 3.0/3.1 document carrying Tyk's extension. The OpenAPI frame is
 * read loosely (Portcullis reads operations, their ids and the components it
 * needs); the extension is typed in schema-extension.ts.
 */

export const httpMethods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
export type HttpMethod = (typeof httpMethods)[number];

export const openApiVersion = /^3\.[01]\.\d+$/;

const operationFrameSchema = z.looseObject({
  operationId: z.string().optional(),
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
});

const pathItemSchema = z.looseObject(Object.fromEntries(httpMethods.map((method) => [method, operationFrameSchema.optional()])));

const securitySchemeFrameSchema = z.looseObject({
  type: z.string(),
  scheme: z.string().optional(),
  bearerFormat: z.string().optional(),
  name: z.string().optional(),
  in: z.string().optional(),
});

export const oasDocumentSchema = z.looseObject({
  openapi: z.string().regex(openApiVersion, "an OpenAPI version 3.0.x or 3.1.x"),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  servers: z.array(z.looseObject({ url: z.string() })).optional(),
  paths: z.record(z.string(), pathItemSchema).optional(),
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
  components: z
    .looseObject({
      securitySchemes: z.record(z.string(), securitySchemeFrameSchema).optional(),
      schemas: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  "x-tyk-api-gateway": extensionSchema,
});

export type OasDocument = z.infer<typeof oasDocumentSchema>;
export type OasOperationFrame = z.infer<typeof operationFrameSchema>;
