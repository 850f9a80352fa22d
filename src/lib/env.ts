import * as z from "zod";

/*
 * Parsers for Worker variables, which are always strings. Booleans accept
 * true/false/1/0; an empty string means "unset".
 */

/** A boolean variable, or undefined when unset. */
export const optionalFlag = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((value) => (value === undefined || value === "" ? undefined : value === "true" || value === "1"));

/** A boolean variable with a default. */
export const flag = (fallback: boolean) => optionalFlag.transform((value) => value ?? fallback);

/** A non-negative number of seconds with a default. */
export const seconds = (fallback: number) =>
  z.coerce
    .number()
    .nonnegative()
    .optional()
    .transform((value) => value ?? fallback);

/** Whole milliseconds in [1, max] with a default. */
export const milliseconds = (fallback: number, max: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .optional()
    .transform((value) => value ?? fallback);
