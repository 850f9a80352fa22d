/*
 * `$ref`s of an OpenAPI document resolved into copies, within bounds: only
 * references inside the document, no cycles (a recursive schema is refused),
 * and a ceiling on the expansion, since shared references multiply.
 */

/** The parts of an OpenAPI document read here; any parsed document fits. */
export interface OpenApiFrame {
  paths?: Record<string, unknown>;
  components?: Record<string, unknown>;
}

export type Node = Record<string, unknown>;
export const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value);

/** A resolved document part may not expand beyond this many nodes (shared `$ref`s multiply) nor nest deeper. */
const maxResolvedNodes = 20_000;
const maxDepth = 64;

export class RefError extends Error {
  constructor(
    readonly at: string,
    readonly expected: string,
    readonly got: string,
    message: string,
  ) {
    super(message);
  }
}

export function pointerTarget(document: OpenApiFrame, ref: string, at: string): unknown {
  if (!ref.startsWith("#/")) throw new RefError(at, "a local $ref (#/components/...)", ref, "only references inside the document are resolved");
  let target: unknown = document;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
    target = isNode(target) ? target[key] : Array.isArray(target) ? target[Number(key)] : undefined;
    if (target === undefined) throw new RefError(at, "a $ref to an existing part of the document", ref, `$ref "${ref}" does not resolve`);
  }
  return target;
}

/** A copy of `value` with every `$ref` replaced by its target; throws RefError on cycles, missing targets or an expansion over the bounds. */
export function resolver(document: OpenApiFrame) {
  let nodes = 0;
  const resolve = (value: unknown, at: string, chain: readonly string[]): unknown => {
    if (++nodes > maxResolvedNodes)
      throw new RefError(at, `at most ${maxResolvedNodes} nodes once $refs are resolved`, "more", "the operation's schemas expand too far");
    if (chain.length > maxDepth) throw new RefError(at, `at most ${maxDepth} levels`, "deeper", "the operation's schemas nest too deep");
    if (Array.isArray(value)) return value.map((item, index) => resolve(item, `${at}[${index}]`, chain));
    if (!isNode(value)) return value;
    if (typeof value.$ref === "string") {
      const ref = value.$ref;
      if (chain.includes(ref))
        throw new RefError(at, "a $ref that does not refer back to itself", ref, `$ref "${ref}" is recursive; recursive schemas are not supported`);
      return resolve(pointerTarget(document, ref, at), at, [...chain, ref]);
    }
    const copy: Node = {};
    for (const [key, child] of Object.entries(value)) copy[key] = resolve(child, `${at}.${key}`, chain);
    return copy;
  };
  return resolve;
}

/** Resolves `value` found at the JSON path `at`; `chain` holds the `$ref`s followed to get there. */
export type Resolve = ReturnType<typeof resolver>;
