/*
 * Go's duration strings (time.ParseDuration), which Tyk definitions use for
 * timeouts: "30s", "1m30s", "1.5s", "250ms", "-2h". Each number needs a unit,
 * except a bare "0". Values are counted in whole nanoseconds, as Go does, so
 * "1.1s" is exactly 1100 ms rather than a float's 1100.0000000000002.
 */

const nanosecondsPer = new Map([
  ["ns", 1],
  ["us", 1e3],
  ["\u00b5s", 1e3], // micro sign
  ["\u03bcs", 1e3], // Greek mu
  ["ms", 1e6],
  ["s", 1e9],
  ["m", 60e9],
  ["h", 3600e9],
]);

// Go reads a unit as every character up to the next digit or dot.
const component = /(\d*)(?:\.(\d*))?([^\d.]*)/y;

/** Go's limit: a duration is an int64 of nanoseconds. */
const maxNanoseconds = 2 ** 63;

/** Nanoseconds in one number-and-unit pair ("1.5" "s"), or null when Go would refuse it. */
function componentNanoseconds(whole: string, fraction: string | undefined, unit: string): number | null {
  if (whole === "" && !fraction) return null;
  const scale = nanosecondsPer.get(unit);
  if (scale === undefined) return null;
  const fractional = fraction ? Math.round(Number(`0.${fraction}`) * scale) : 0;
  return Number(whole || "0") * scale + fractional;
}

/** Milliseconds in a Go duration string (fractional below 1 ms), or null when Go's time.ParseDuration refuses it. */
export function parseGoDuration(text: string): number | null {
  const sign = text.startsWith("-") ? -1 : 1;
  const body = text.startsWith("-") || text.startsWith("+") ? text.slice(1) : text;
  if (body === "0") return 0;
  if (body === "") return null;
  let nanoseconds = 0;
  for (let index = 0; index < body.length; ) {
    component.lastIndex = index;
    const match = component.exec(body);
    const part = match ? componentNanoseconds(match[1] ?? "", match[2], match[3] ?? "") : null;
    if (part === null) return null;
    nanoseconds += part;
    index = component.lastIndex;
  }
  if (nanoseconds >= maxNanoseconds) return null;
  return (sign * nanoseconds) / 1e6;
}
